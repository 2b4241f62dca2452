"""The stateful model test cannot hang: a store that never answers fails the example quickly.

Each request to the store's helper loop has a deadline; a store that awaits forever, a loop
blocked by synchronous code and a watch that never yields all end in a clear failure naming
the request, instead of a test run that sits still (as the shrinker once did for ten minutes).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
import trio
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from components.store.memory import open_memory_store
from kernel.conformance._trio_thread import StoreCallTimeoutError, StoreThread
from kernel.conformance.store_model import run_store_model_test, store_model_machine
from kernel.interfaces.store import WatchEvent

QUICK = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)


class _Wrapper:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class PutNeverAnswers(_Wrapper):
    async def put(self, key: bytes, value: bytes, **kw: Any) -> Any:
        await trio.sleep_forever()


class PutBlocksTheLoop(_Wrapper):
    async def put(self, key: bytes, value: bytes, **kw: Any) -> Any:
        time.sleep(1.5)  # synchronous: the trio loop cannot even run a cancellation
        return await self.inner.put(key, value, **kw)


class WatchNeverYields(_Wrapper):
    def watch(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> Any:
        @asynccontextmanager
        async def silent() -> AsyncIterator[AsyncIterator[WatchEvent]]:
            async def nothing() -> AsyncIterator[WatchEvent]:
                await trio.sleep_forever()
                yield  # pragma: no cover - never reached

            yield nothing()

        return silent()


class WatchAsGenerator(_Wrapper):
    """A correct store whose watch iterator is an async generator (cancelling one kills it)."""

    def watch(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> Any:
        @asynccontextmanager
        async def relay() -> AsyncIterator[AsyncIterator[WatchEvent]]:
            async with self.inner.watch(key, range_end, **kw) as events:

                async def forward() -> AsyncIterator[WatchEvent]:
                    async for event in events:
                        yield event

                yield forward()

        return relay()


def _opener(wrapper: type[_Wrapper]) -> Callable[[], AbstractAsyncContextManager[Any]]:
    @asynccontextmanager
    async def open_wrapped() -> AsyncIterator[Any]:
        async with open_memory_store() as store:
            yield wrapper(store)

    return open_wrapped


def test_a_request_that_never_answers_times_out_naming_it() -> None:
    thread = StoreThread(_opener(PutNeverAnswers), call_timeout=0.2)
    store = thread.start()
    try:
        started = time.monotonic()
        with pytest.raises(StoreCallTimeoutError, match=r"put\(b'k'\): no answer within 0.2 s"):
            thread.run(lambda: store.put(b"k", b"v"), what="put(b'k')")
        assert time.monotonic() - started < 2.0
        status = thread.run(store.status)  # the loop is still usable afterwards
        assert status.revision == 1
    finally:
        thread.close()


def test_a_blocked_loop_times_out_without_waiting_for_it() -> None:
    thread = StoreThread(_opener(PutBlocksTheLoop), call_timeout=0.1, grace=0.1)
    store = thread.start()
    started = time.monotonic()
    with pytest.raises(StoreCallTimeoutError, match="loop does not respond"):
        thread.run(lambda: store.put(b"k", b"v"), what="put")
    with pytest.raises(StoreCallTimeoutError, match="not sent"):
        thread.run(store.status, what="status()")
    thread.close()  # abandons the blocked thread instead of joining it
    assert time.monotonic() - started < 1.2


def test_model_test_fails_fast_on_a_store_that_never_answers() -> None:
    machine = store_model_machine(_opener(PutNeverAnswers))
    machine.call_timeout = 0.2
    started = time.monotonic()
    with pytest.raises(StoreCallTimeoutError, match=r"put\("):
        run_state_machine_as_test(machine, settings=QUICK)
    assert time.monotonic() - started < 10


def test_model_test_fails_fast_on_a_watch_that_never_yields() -> None:
    machine = store_model_machine(_opener(WatchNeverYields))
    machine.watch_wait = 0.1
    started = time.monotonic()
    with pytest.raises(AssertionError, match="events of watch"):
        run_state_machine_as_test(machine, settings=QUICK)
    assert time.monotonic() - started < 10


def test_model_test_accepts_watches_written_as_async_generators() -> None:
    run_store_model_test(_opener(WatchAsGenerator), test_settings=QUICK)
