"""The stateful model test: random request sequences, every response compared with `StoreModel`.

Hypothesis drives a `RuleBasedStateMachine` that sends the same puts, deletes, ranges (at the
latest and at older revisions), txns, compactions, watch replays and lease grants/revokes to
your store and to `StoreModel`, a sequential reference implementation of the contract, and
fails on the first response (or error type) that differs. A failure prints the shortest
sequence of requests that shows the difference, as a program you can read.

Run it from a test file (plain sync test; no pytest-trio needed)::

    from kernel.conformance.store_model import store_model_machine

    TestMyStoreModel = store_model_machine(open_my_store).TestCase

or from code: ``run_store_model_test(open_my_store)``. The store runs on a trio loop in a helper
thread (one fresh store per example). Leases use a long TTL, so nothing expires mid-test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import trio
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kernel.conformance._store_kit import StoreOpener
from kernel.conformance._store_reference import StoreModel
from kernel.conformance._trio_thread import CALL_TIMEOUT, StoreCallTimeoutError, StoreThread
from kernel.interfaces.store import (
    ALL_KEYS_FROM,
    Compare,
    DeleteOp,
    PutOp,
    RangeOp,
    Store,
    StoreError,
    WatchEvent,
    prefix_end,
)

KEYS = (b"a", b"a\x00", b"ab", b"b", b"c", b"\xff")
"""A small key space so that requests collide, overlap and hit prefixes."""
VALUES = (b"", b"x", b"y", b"\x00\xff")
LEASE_IDS = (101, 102, 103)
"""Explicit lease ids, so the store's and the model's leases line up."""
LEASE_TTL = 3600
"""Long enough that no lease expires during an example."""
WATCH_WAIT = 1.0
"""Seconds a watch replay may pause before the next event it owes (history is all local)."""
_QUIET_WAIT = 0.002

keys = st.sampled_from(KEYS)
values = st.sampled_from(VALUES)
lease_choices = st.sampled_from((0, 0, 0, LEASE_IDS[0], *LEASE_IDS))
"""Mostly no lease; otherwise one of a few ids, the first most often so that keys share it."""
lease_ids = st.sampled_from((LEASE_IDS[0], *LEASE_IDS))
"""A lease id to grant, revoke or inspect, the first most often."""


@st.composite
def range_ends(draw: st.DrawFn, key: bytes) -> bytes | None:
    """None (one key), ALL_KEYS_FROM, the key's prefix end, or any key (maybe below it)."""
    return draw(st.sampled_from([None, ALL_KEYS_FROM, prefix_end(key), *KEYS]))


@st.composite
def key_ranges(draw: st.DrawFn) -> tuple[bytes, bytes | None]:
    """A (key, range_end) pair."""
    key = draw(keys)
    return key, draw(range_ends(key))


@st.composite
def compares(draw: st.DrawFn) -> Compare:
    """A txn guard with an operand of the right type for its target."""
    target = draw(st.sampled_from(["value", "version", "create_revision", "mod_revision"]))
    op = draw(st.sampled_from(["=", "!=", "<", ">"]))
    operand: bytes | int = draw(values) if target == "value" else draw(st.integers(0, 12))
    return Compare(draw(keys), target, op, operand)  # type: ignore[arg-type]


@st.composite
def txn_ops(draw: st.DrawFn, *, leases: bool) -> RangeOp | PutOp | DeleteOp:
    """One op of a txn branch."""
    key, end = draw(key_ranges())
    kind = draw(st.sampled_from(["range", "put", "delete"]))
    if kind == "range":
        return RangeOp(
            key,
            end,
            limit=draw(st.integers(0, 3)),
            keys_only=draw(st.booleans()),
            count_only=draw(st.booleans()),
        )
    if kind == "put":
        lease = draw(lease_choices) if leases else 0
        return PutOp(key, draw(values), lease=lease, prev_kv=draw(st.booleans()))
    return DeleteOp(key, end, prev_kv=draw(st.booleans()))


def _outcome(call: Any) -> tuple[str, Any]:
    """Run `call()`; return ("ok", result) or ("error", error class name)."""
    try:
        return "ok", call()
    except StoreError as exc:
        return "error", type(exc).__name__


STREAM_ENDED = "<the watch stream ended>"
"""Stands in the list of received events where a store's watch iterator stopped early."""


async def _watch_replay(
    store: Store,
    key: bytes,
    end: bytes | None,
    *,
    start: int,
    prev_kv: bool,
    expected: list[WatchEvent],
    wait: float,
) -> list[WatchEvent | str]:
    """Open a watch from `start` and collect what it delivers, compared as it arrives.

    Stops at the first event that differs from `expected` (no need to wait any longer), after
    `wait` seconds without the next expected event, or after a short quiet spell once all
    arrived (to catch an extra event). The iterator is read by one task and never cancelled
    mid-stream, so stores written as async generators are not killed by the waiting.
    """
    got: list[WatchEvent | str] = []
    progress = trio.Event()
    failure: list[StoreError] = []

    async def pump(stream: AsyncIterator[WatchEvent]) -> None:
        nonlocal progress
        try:
            async for event in stream:
                got.append(event)
                progress.set()
                progress = trio.Event()
                if len(got) > len(expected) or got[-1] != expected[len(got) - 1]:
                    return
            got.append(STREAM_ENDED)  # the iterator stopped by itself: a watch must not
        except StoreError as exc:  # e.g. CompactedError from the iterator: re-raised bare
            failure.append(exc)
        progress.set()

    watch = store.watch(key, end, start_revision=start, prev_kv=prev_kv)
    async with watch as stream, trio.open_nursery() as nursery:
        nursery.start_soon(pump, stream)
        while _still_waiting(got, expected, failure):
            with trio.move_on_after(wait) as scope:
                await progress.wait()
            if scope.cancelled_caught:
                break
        if len(got) == len(expected) and not failure:
            with trio.move_on_after(_QUIET_WAIT):
                await progress.wait()  # an extra event is a bug; shown in the diff
        nursery.cancel_scope.cancel()
    if failure:
        raise failure[0]
    return got


def _still_waiting(
    got: list[WatchEvent | str], expected: list[WatchEvent], failure: list[StoreError]
) -> bool:
    """True while every event so far matches and some expected ones have not arrived."""
    if len(got) >= len(expected) or (got and got[-1] is STREAM_ENDED) or failure:
        return False
    return all(g == e for g, e in zip(got, expected, strict=False))


class StoreModelMachine(RuleBasedStateMachine):
    """Compares a store with `StoreModel` request by request; subclass with `open_store` set."""

    open_store: StoreOpener
    leases: bool = True
    watch_wait: float = WATCH_WAIT
    """Seconds a replay may pause before an event it owes; raise it for a slow store."""
    call_timeout: float = CALL_TIMEOUT
    """Seconds any one request may take before the example fails as a hang."""

    def __init__(self) -> None:
        super().__init__()
        self.model = StoreModel()
        self.thread = StoreThread(type(self).open_store, call_timeout=self.call_timeout)
        self.store = self.thread.start()

    def teardown(self) -> None:
        self.thread.close()

    def _ask(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """Send one request to the store (it fails the example if it does not answer)."""
        return self.thread.run(call, what=what)

    def _same(self, what: str, model_call: Any, store_call: Callable[[], Awaitable[Any]]) -> None:
        expected = _outcome(model_call)
        actual = _outcome(lambda: self._ask(what, store_call))
        assert actual == expected, f"{what}:\n  model: {expected!r}\n  store: {actual!r}"

    def _revision(self, back: int) -> int:
        """A revision `back` steps before the current one (-1: one in the future)."""
        if back < 0:
            return self.model.revision + 1
        return max(1, self.model.revision - back)

    def _lease(self, lease: int) -> int:
        return lease if self.leases else 0

    @initialize()
    def starts_empty(self) -> None:
        status = self._ask("status()", self.store.status)
        assert (status.revision, status.compact_revision) == (1, 0), f"new store: {status}"

    @initialize(grant=st.booleans())
    def first_lease(self, grant: bool) -> None:
        """Often start with lease LEASE_IDS[0] alive, so keys gather on it early."""
        if grant and self.leases:
            self.lease_grant(LEASE_IDS[0])

    @rule(key=keys, value=values, prev_kv=st.booleans(), lease=lease_choices)
    def put(self, key: bytes, value: bytes, prev_kv: bool, lease: int) -> None:
        lease = self._lease(lease)
        self._same(
            f"put({key!r}, {value!r}, lease={lease}, prev_kv={prev_kv})",
            lambda: self.model.put(key, value, lease=lease, prev_kv=prev_kv),
            lambda: self.store.put(key, value, lease=lease, prev_kv=prev_kv),
        )

    @rule(
        batch=st.lists(keys, min_size=2, max_size=4, unique=True),
        value=values,
        lease=st.sampled_from((0, LEASE_IDS[0])),
    )
    def put_many(self, batch: list[bytes], value: bytes, lease: int) -> None:
        """Several puts in a row (separate requests), so ranges, limits and leases see crowds."""
        for key in batch:
            self.put(key, value, False, lease)

    @rule(span=key_ranges(), prev_kv=st.booleans())
    def delete_range(self, span: tuple[bytes, bytes | None], prev_kv: bool) -> None:
        key, end = span
        self._same(
            f"delete_range({key!r}, {end!r}, prev_kv={prev_kv})",
            lambda: self.model.delete_range(key, end, prev_kv=prev_kv),
            lambda: self.store.delete_range(key, end, prev_kv=prev_kv),
        )

    @rule(
        span=key_ranges(),
        back=st.one_of(st.none(), st.integers(-1, 8)),
        limit=st.integers(0, 3),
        keys_only=st.booleans(),
        count_only=st.booleans(),
    )
    def range(
        self,
        span: tuple[bytes, bytes | None],
        back: int | None,
        limit: int,
        keys_only: bool,
        count_only: bool,
    ) -> None:
        key, end = span
        revision = 0 if back is None else self._revision(back)
        options = {
            "revision": revision,
            "limit": limit,
            "keys_only": keys_only,
            "count_only": count_only,
        }
        self._same(
            f"range({key!r}, {end!r}, **{options})",
            lambda: self.model.range(key, end, **options),  # type: ignore[arg-type]
            lambda: self.store.range(key, end, **options),  # type: ignore[arg-type]
        )

    @rule(
        limit=st.integers(1, 3),
        back=st.one_of(st.none(), st.integers(0, 4)),
        keys_only=st.booleans(),
    )
    def scan(self, limit: int, back: int | None, keys_only: bool) -> None:
        """A limited range over the whole key space (the common paging request)."""
        self.range((KEYS[0], ALL_KEYS_FROM), back, limit, keys_only, False)

    @rule(
        guards=st.lists(compares(), max_size=2),
        success=st.lists(txn_ops(leases=True), max_size=4),
        failure=st.lists(txn_ops(leases=True), max_size=3),
    )
    def txn(self, guards: list[Compare], success: list[Any], failure: list[Any]) -> None:
        if not self.leases:
            success = [_without_lease(o) for o in success]
            failure = [_without_lease(o) for o in failure]
        self._same(
            f"txn({guards!r}, {success!r}, {failure!r})",
            lambda: self.model.txn(guards, success, failure),
            lambda: self.store.txn(guards, success, failure),
        )

    @rule(back=st.integers(-1, 6))
    def compact(self, back: int) -> None:
        revision = self._revision(back)
        self._same(
            f"compact({revision})",
            lambda: self.model.compact(revision),
            lambda: self.store.compact(revision),
        )

    @rule(span=key_ranges(), back=st.integers(0, 10), prev_kv=st.booleans())
    def watch_replay(self, span: tuple[bytes, bytes | None], back: int, prev_kv: bool) -> None:
        key, end = span
        start = self._revision(back)
        what = f"events of watch({key!r}, {end!r}, start_revision={start}, prev_kv={prev_kv})"
        expected = _outcome(
            lambda: self.model.events(key, end, start_revision=start, prev_kv=prev_kv)
        )
        owed = expected[1] if expected[0] == "ok" else []
        actual = _outcome(
            lambda: self._ask(
                what,
                lambda: _watch_replay(
                    self.store,
                    key,
                    end,
                    start=start,
                    prev_kv=prev_kv,
                    expected=owed,
                    wait=self.watch_wait,
                ),
            )
        )
        assert actual == expected, f"{what}:\n  model: {expected!r}\n  store: {actual!r}"

    @precondition(lambda self: self.leases)
    @rule(lease_id=lease_ids)
    def lease_grant(self, lease_id: int) -> None:
        self._same(
            f"lease_grant({LEASE_TTL}, {lease_id})",
            lambda: self.model.lease_grant(LEASE_TTL, lease_id),
            lambda: self.store.lease_grant(LEASE_TTL, lease_id),
        )

    @precondition(lambda self: self.leases)
    @rule(lease_id=lease_ids)
    def lease_revoke(self, lease_id: int) -> None:
        self._same(
            f"lease_revoke({lease_id})",
            lambda: self.model.lease_revoke(lease_id),
            lambda: self.store.lease_revoke(lease_id),
        )

    @precondition(lambda self: self.leases)
    @rule(lease_id=lease_ids)
    def lease_keys(self, lease_id: int) -> None:
        status = self._ask(
            f"lease_time_to_live({lease_id}, keys=True)",
            lambda: self.store.lease_time_to_live(lease_id, keys=True),
        )
        if lease_id in self.model.leases:
            expected = (self.model.leases[lease_id], self.model.lease_keys(lease_id))
            assert (status.granted_ttl, status.keys) == expected, f"lease {lease_id}: {status}"
        else:
            assert status.ttl == -1, f"time-to-live of a lease that does not exist: {status}"

    @invariant()
    def same_status(self) -> None:
        status = self._ask("status()", self.store.status)
        assert status == self.model.status(), f"status: model {self.model.status()}, store {status}"


def _without_lease(op: Any) -> Any:
    """The op with any lease dropped (for stores tested with `leases=False`)."""
    return PutOp(op.key, op.value, prev_kv=op.prev_kv) if isinstance(op, PutOp) else op


DEFAULT_SETTINGS = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
"""Settings the machine's TestCase uses unless you pass others."""


def store_model_machine(
    open_store: StoreOpener, *, leases: bool = True, test_settings: settings | None = None
) -> type[StoreModelMachine]:
    """A state machine class comparing stores from `open_store` with the model.

    Use its ``.TestCase`` as a test class. `leases=False` leaves leases out (for a store that
    does not implement them yet).
    """
    machine = type(
        "StoreModelTest",
        (StoreModelMachine,),
        {"open_store": staticmethod(open_store), "leases": leases},
    )
    machine.TestCase.settings = test_settings or DEFAULT_SETTINGS  # type: ignore[attr-defined]
    return machine


def run_store_model_test(
    open_store: StoreOpener, *, leases: bool = True, test_settings: settings | None = None
) -> None:
    """Run the stateful model test now; raises on the first difference (with its history)."""
    machine = store_model_machine(open_store, leases=leases)
    run_state_machine_as_test(machine, settings=test_settings or DEFAULT_SETTINGS)


__all__ = [
    "DEFAULT_SETTINGS",
    "STREAM_ENDED",
    "WATCH_WAIT",
    "StoreCallTimeoutError",
    "StoreModel",
    "StoreModelMachine",
    "run_store_model_test",
    "store_model_machine",
]
