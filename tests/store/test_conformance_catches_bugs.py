"""The conformance suite and the model test fail on stores that break a rule (they can fail).

Each broken store wraps the memory store and breaks one rule the way a student might; the
check named for that rule must report a failure, and the stateful model test must find it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings
from trio.testing import MockClock

from components.store.memory import open_memory_store
from kernel.conformance.store import check_store
from kernel.conformance.store_model import run_store_model_test
from kernel.interfaces.store import Store, WatchEvent


class _Wrapper:
    """Delegates every request to the memory store unless a subclass overrides it."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class IgnoresLimit(_Wrapper):
    async def range(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> Any:
        kw["limit"] = 0
        return await self.inner.range(key, range_end, **kw)


class IgnoresOldRevisions(_Wrapper):
    async def range(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> Any:
        kw["revision"] = 0
        return await self.inner.range(key, range_end, **kw)


class NeverCompacts(_Wrapper):
    async def compact(self, revision: int) -> None:
        return None


class ForgetsPrevKv(_Wrapper):
    async def put(self, key: bytes, value: bytes, **kw: Any) -> Any:
        return attrs.evolve(await self.inner.put(key, value, **kw), prev_kv=None)


class RevokesKeyByKey(_Wrapper):
    """Deletes a revoked lease's keys one request at a time: several revisions, not one."""

    async def lease_revoke(self, lease_id: int) -> None:
        status = await self.inner.lease_time_to_live(lease_id, keys=True)
        for key in status.keys:
            await self.inner.delete_range(key)
        await self.inner.lease_revoke(lease_id)


class DropsWatchEvents(_Wrapper):
    """Loses every third event of every watch."""

    def watch(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> Any:
        @asynccontextmanager
        async def lossy() -> AsyncIterator[AsyncIterator[WatchEvent]]:
            async with self.inner.watch(key, range_end, **kw) as events:

                async def skip_some() -> AsyncIterator[WatchEvent]:
                    n = 0
                    async for event in events:
                        n += 1
                        if n % 3:
                            yield event

                yield skip_some()

        return lossy()


class UnsortedRanges(_Wrapper):
    async def range(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> Any:
        result = await self.inner.range(key, range_end, **kw)
        return attrs.evolve(result, kvs=tuple(reversed(result.kvs)))


def _opener(wrapper: type[_Wrapper]) -> Callable[[], AbstractAsyncContextManager[Any]]:
    @asynccontextmanager
    async def open_broken() -> AsyncIterator[Any]:
        async with open_memory_store() as store:
            yield wrapper(store)

    return open_broken


BUGS = [
    (IgnoresLimit, "range_limit_count_more"),
    (IgnoresOldRevisions, "range_at_old_revision"),
    (NeverCompacts, "compaction_boundary"),
    (ForgetsPrevKv, "put_prev_kv"),
    (RevokesKeyByKey, "lease_revoke_deletes_keys"),
    (DropsWatchEvents, "watch_live_events"),
    (DropsWatchEvents, "watch_resumes_from_any_revision"),
    (UnsortedRanges, "range_intervals_and_order"),
]


@pytest.mark.parametrize(("wrapper", "check_name"), BUGS, ids=lambda v: getattr(v, "__name__", v))
async def test_suite_reports_the_broken_rule(
    wrapper: type[_Wrapper], check_name: str, autojump_clock: MockClock
) -> None:
    report = await check_store(_opener(wrapper), only=[check_name])
    (result,) = report.results
    assert result.outcome == "fail", report.summary()
    assert check_name in result.message


MODEL_BUGS = [IgnoresLimit, IgnoresOldRevisions, NeverCompacts, RevokesKeyByKey, DropsWatchEvents]

FIND_SETTINGS = settings(
    max_examples=300,
    stateful_step_count=25,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
"""Fixed-seed search without shrinking: these tests only prove the model test can fail."""


@pytest.mark.parametrize("wrapper", MODEL_BUGS, ids=lambda w: w.__name__)
def test_model_test_finds_the_bug(wrapper: type[_Wrapper]) -> None:
    with pytest.raises(AssertionError):
        run_store_model_test(_opener(wrapper), test_settings=FIND_SETTINGS)


def test_model_failure_is_shrunk_to_a_readable_difference() -> None:
    """A found bug is reported as the differing request with both answers, after shrinking."""
    shrinking = settings(FIND_SETTINGS, phases=[Phase.generate, Phase.shrink])
    with pytest.raises(AssertionError) as info:
        run_store_model_test(_opener(IgnoresLimit), test_settings=shrinking)
    message = str(info.value)
    assert "range(" in message
    assert "'limit': " in message
    assert "model: ('ok', RangeResult(" in message
    assert "store: ('ok', RangeResult(" in message
