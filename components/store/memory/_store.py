"""`MemoryStore`: the embedded reference implementation of the Store contract.

Layout (all in one trio task's memory; every request runs without awaiting in between, so it
is atomic):

* `_history[key]` is the key's list of `(revision, KeyValue | None)` entries, oldest first;
  None marks a deletion. A read at revision r bisects it: O(log versions).
* `_live` and `_known` are sorted key sets (keys that exist now; keys with any retained
  history). A range at the latest revision walks `_live` (O(log n + k)); a range at an older
  revision walks `_known` in the same interval and skips keys that did not exist then.
* `_log` is the event log, one `WatchEvent` per changed key in (revision, key) order. Watch
  streams hold a cursor into it rather than buffers of their own (see `_watch.py`).
* `compact(r)` trims each key's history to what a read at r still needs and drops log events
  before r, so memory is bounded by live data plus the history kept since the last compaction.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from operator import itemgetter
from typing import TYPE_CHECKING

import attrs
import trio

from components.store.memory._leases import LeaseTable
from components.store.memory._sorted_keys import SortedKeys
from components.store.memory._validation import (
    check_branch,
    check_compare,
    check_key,
    check_non_negative,
    check_range_end,
)
from components.store.memory._watch import WatchStream, open_watch
from kernel.clock import Clock
from kernel.interfaces.store import (
    ALL_KEYS_FROM,
    CompactedError,
    Compare,
    DeleteResult,
    EventType,
    FutureRevisionError,
    InvalidRequestError,
    KeyValue,
    LeaseGrant,
    LeaseNotFoundError,
    LeaseStatus,
    PutOp,
    PutResult,
    RangeOp,
    RangeResult,
    StoreStatus,
    StoreUnavailableError,
    TxnOp,
    TxnOpResult,
    TxnResult,
    WatchEvent,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

_entry_revision = itemgetter(0)
_Entry = tuple[int, KeyValue | None]

LEASE_CHECK_INTERVAL = 0.5
"""Longest the expiry task sleeps between looks at the clock (bounds lateness under skew)."""


def _event_revision(event: WatchEvent) -> int:
    return event.kv.mod_revision


def _compare_holds(compare: Compare, kv: KeyValue | None) -> bool:
    """Evaluate one txn guard against the key's current value (None when missing)."""
    if compare.target == "value":
        if kv is None:
            return False  # etcd: any comparison on the value of a missing key fails
        actual: bytes | int = kv.value
    elif kv is None:
        actual = 0
    else:
        actual = getattr(kv, compare.target)
    operand = compare.operand
    if compare.op == "=":
        return actual == operand
    if compare.op == "!=":
        return actual != operand
    if compare.op == "<":
        return actual < operand  # type: ignore[operator]
    return actual > operand  # type: ignore[operator]


@attrs.frozen
class MemoryStoreStatistics:
    """Sizes of the memory store's structures, for tests and capacity planning."""

    revision: int
    compact_revision: int
    live_keys: int
    """Keys that exist now."""
    tracked_keys: int
    """Keys with any retained history (live keys plus deleted ones not yet compacted away)."""
    history_entries: int
    """Key versions and deletion markers retained for reads at older revisions."""
    log_events: int
    """Events retained for watch replay."""
    watchers: int
    leases: int
    retained_bytes: int = 0
    """Key and value bytes held by history and the watch log (what compaction frees)."""


class MemoryStore:
    """An in-memory MVCC store implementing `kernel.interfaces.store.Store`.

    Open it with `open_memory_store()`, which also runs lease expiry in the background.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._revision = 1
        self._compact_revision = 0
        self._history: dict[bytes, list[_Entry]] = {}
        self._known = SortedKeys()
        self._live = SortedKeys()
        self._compactable: dict[bytes, None] = {}
        self._history_entries = 0
        self.log: list[WatchEvent] = []
        self.log_base = 0
        """Absolute index of `log[0]` (events dropped by compaction so far)."""
        self.log_lot = trio.lowlevel.ParkingLot()
        self.watchers = 0
        self._leases = LeaseTable()
        self._lease_changed = trio.Event()
        self.closed = False

    # ------------------------------------------------------------------ reads

    async def range(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        revision: int = 0,
        limit: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
    ) -> RangeResult:
        await self._begin()
        check_key(key)
        check_range_end(range_end)
        check_non_negative(revision, "revision")
        check_non_negative(limit, "limit")
        if revision > self._revision:
            raise FutureRevisionError(revision, self._revision)
        if 0 < revision < self._compact_revision:
            raise CompactedError(revision, self._compact_revision)
        at = 0 if revision in (0, self._revision) else revision
        return self._read(
            key, range_end, at, limit=limit, keys_only=keys_only, count_only=count_only
        )

    def _read(
        self,
        key: bytes,
        range_end: bytes | None,
        at: int,
        *,
        limit: int,
        keys_only: bool,
        count_only: bool,
    ) -> RangeResult:
        """Serve a range at revision `at` (0: latest, including this request's own writes)."""
        kvs: list[KeyValue] = []
        if range_end is None:
            kv = self._get(key, at)
            count = 0 if kv is None else 1
            if kv is not None and not count_only:
                kvs.append(kv)
        else:
            end = None if range_end == ALL_KEYS_FROM else range_end
            if end is not None and end <= key:
                count = 0
            elif at == 0:
                count = self._live.count(key, end)
                if not count_only:
                    wanted = count if limit == 0 else min(limit, count)
                    for k in self._live.irange(key, end):
                        if len(kvs) == wanted:
                            break
                        kvs.append(self._history[k][-1][1])  # type: ignore[arg-type]
            else:
                count = 0
                for k in self._known.irange(key, end):
                    kv = self._get(k, at)
                    if kv is None:
                        continue
                    count += 1
                    if not count_only and (limit == 0 or len(kvs) < limit):
                        kvs.append(kv)
        if keys_only:
            kvs = [attrs.evolve(kv, value=b"") for kv in kvs]
        more = not count_only and len(kvs) < count
        return RangeResult(kvs=tuple(kvs), count=count, more=more, revision=self._revision)

    def _get(self, key: bytes, at: int) -> KeyValue | None:
        hist = self._history.get(key)
        if not hist:
            return None
        if at == 0:
            return hist[-1][1]
        i = bisect_right(hist, at, key=_entry_revision) - 1
        return hist[i][1] if i >= 0 else None

    async def status(self) -> StoreStatus:
        await self._begin()
        return StoreStatus(revision=self._revision, compact_revision=self._compact_revision)

    def statistics(self) -> MemoryStoreStatistics:
        """Current sizes of the store's structures."""
        return MemoryStoreStatistics(
            revision=self._revision,
            compact_revision=self._compact_revision,
            live_keys=len(self._live),
            tracked_keys=len(self._known),
            history_entries=self._history_entries,
            log_events=len(self.log),
            watchers=self.watchers,
            leases=len(self._leases),
            retained_bytes=self._retained_bytes(),
        )

    def _retained_bytes(self) -> int:
        """Sum of key and value sizes over every kept version and logged event (O(history))."""
        total = 0
        for key, hist in self._history.items():
            for _, kv in hist:
                total += len(key) + (len(kv.value) if kv is not None else 0)
        return total + sum(len(e.kv.key) + len(e.kv.value) for e in self.log)

    # ------------------------------------------------------------------ writes

    async def put(
        self, key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False
    ) -> PutResult:
        await self._begin()
        check_key(key)
        if not isinstance(value, bytes):
            raise InvalidRequestError(f"value must be bytes, got {type(value).__name__}")
        check_non_negative(lease, "lease")
        if lease and self._leases.get(lease) is None:
            raise LeaseNotFoundError(lease)
        events: list[WatchEvent] = []
        prev = self._write_put(key, value, lease, events)
        self._commit(events)
        return PutResult(revision=self._revision, prev_kv=prev if prev_kv else None)

    async def delete_range(
        self, key: bytes, range_end: bytes | None = None, *, prev_kv: bool = False
    ) -> DeleteResult:
        await self._begin()
        check_key(key)
        check_range_end(range_end)
        events: list[WatchEvent] = []
        prevs = self._write_delete_range(key, range_end, events)
        self._commit(events)
        return DeleteResult(
            revision=self._revision, deleted=len(prevs), prev_kvs=tuple(prevs) if prev_kv else ()
        )

    async def txn(
        self,
        compares: Sequence[Compare],
        success: Sequence[TxnOp] = (),
        failure: Sequence[TxnOp] = (),
    ) -> TxnResult:
        await self._begin()
        checked = [check_compare(c) for c in compares]
        success_ops = check_branch(success, "success")
        failure_ops = check_branch(failure, "failure")
        succeeded = all(_compare_holds(c, self._get(c.key, 0)) for c in checked)
        ops = success_ops if succeeded else failure_ops
        for op in ops:
            if isinstance(op, PutOp) and op.lease and self._leases.get(op.lease) is None:
                raise LeaseNotFoundError(op.lease)
        events: list[WatchEvent] = []
        results: list[TxnOpResult] = [self._apply(op, events) for op in ops]
        self._commit(events)
        revision = self._revision
        return TxnResult(
            succeeded=succeeded,
            revision=revision,
            responses=tuple(attrs.evolve(r, revision=revision) for r in results),
        )

    def _apply(self, op: TxnOp, events: list[WatchEvent]) -> TxnOpResult:
        """Run one txn op against the latest state; revisions are filled in by the caller."""
        if isinstance(op, RangeOp):
            return self._read(
                op.key,
                op.range_end,
                0,
                limit=op.limit,
                keys_only=op.keys_only,
                count_only=op.count_only,
            )
        if isinstance(op, PutOp):
            prev = self._write_put(op.key, op.value, op.lease, events)
            return PutResult(revision=0, prev_kv=prev if op.prev_kv else None)
        prevs = self._write_delete_range(op.key, op.range_end, events)
        return DeleteResult(
            revision=0, deleted=len(prevs), prev_kvs=tuple(prevs) if op.prev_kv else ()
        )

    def _write_put(
        self, key: bytes, value: bytes, lease: int, events: list[WatchEvent]
    ) -> KeyValue | None:
        """Write one key at the pending revision; return its previous value."""
        rev = self._revision + 1
        hist = self._history.get(key)
        prev = hist[-1][1] if hist else None
        if prev is None:
            kv = KeyValue(key, value, rev, rev, 1, lease)
        else:
            kv = KeyValue(key, value, prev.create_revision, rev, prev.version + 1, lease)
            if prev.lease and prev.lease != lease:
                self._detach(prev.lease, key)
        if hist is None:
            hist = self._history[key] = []
            self._known.add(key)
        hist.append((rev, kv))
        self._history_entries += 1
        if len(hist) > 1:
            self._compactable[key] = None
        if prev is None:
            self._live.add(key)
        if lease:
            self._leases.get(lease).keys[key] = None  # type: ignore[union-attr]
        events.append(WatchEvent(EventType.PUT, kv, prev))
        return prev

    def _write_delete_range(
        self, key: bytes, range_end: bytes | None, events: list[WatchEvent]
    ) -> list[KeyValue]:
        """Delete every live key in the range at the pending revision; return their values."""
        if range_end is None:
            keys: Iterable[bytes] = [key] if self._get(key, 0) is not None else []
        else:
            end = None if range_end == ALL_KEYS_FROM else range_end
            keys = [] if end is not None and end <= key else list(self._live.irange(key, end))
        return [self._write_delete(k, events) for k in keys]

    def _write_delete(self, key: bytes, events: list[WatchEvent]) -> KeyValue:
        rev = self._revision + 1
        hist = self._history[key]
        prev = hist[-1][1]
        assert prev is not None
        hist.append((rev, None))
        self._history_entries += 1
        self._compactable[key] = None
        self._live.discard(key)
        if prev.lease:
            self._detach(prev.lease, key)
        tombstone = KeyValue(key, b"", 0, rev, 0, 0)
        events.append(WatchEvent(EventType.DELETE, tombstone, prev))
        return prev

    def _detach(self, lease_id: int, key: bytes) -> None:
        lease = self._leases.get(lease_id)
        if lease is not None:
            lease.keys.pop(key, None)

    def _commit(self, events: list[WatchEvent]) -> None:
        """Close the pending revision if it wrote anything, and publish its events."""
        if not events:
            return
        self._revision += 1
        events.sort(key=lambda e: e.kv.key)
        self.log.extend(events)
        self.log_lot.unpark_all()

    # ------------------------------------------------------------------ compaction

    async def compact(self, revision: int) -> None:
        await self._begin()
        check_non_negative(revision, "revision")
        if revision > self._revision:
            raise FutureRevisionError(revision, self._revision)
        if revision <= self._compact_revision:
            raise CompactedError(revision, self._compact_revision)
        for key in list(self._compactable):
            hist = self._history[key]
            i = bisect_right(hist, revision, key=_entry_revision) - 1
            if i >= 0:
                cut = i + 1 if hist[i][1] is None else i
                if cut:
                    del hist[:cut]
                    self._history_entries -= cut
            if not hist:
                del self._history[key]
                del self._compactable[key]
                self._known.discard(key)
            elif len(hist) == 1 and hist[0][1] is not None:
                del self._compactable[key]
        drop = bisect_left(self.log, revision, key=_event_revision)
        del self.log[:drop]
        self.log_base += drop
        self._compact_revision = revision
        self.log_lot.unpark_all()

    # ------------------------------------------------------------------ watches

    def watch(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        return open_watch(self, key, range_end, start_revision, prev_kv)

    def watch_cursor(self, start_revision: int) -> tuple[int, int]:
        """Validate a watch start; return (first revision wanted, absolute log cursor)."""
        self.check_open()
        if 0 < start_revision < self._compact_revision:
            raise CompactedError(start_revision, self._compact_revision)
        if start_revision == 0:
            return self._revision + 1, self.log_base + len(self.log)
        i = bisect_left(self.log, start_revision, key=_event_revision)
        return start_revision, self.log_base + i

    @property
    def compact_revision(self) -> int:
        """The current compaction boundary."""
        return self._compact_revision

    # ------------------------------------------------------------------ leases

    async def lease_grant(self, ttl: int, lease_id: int = 0) -> LeaseGrant:
        await self._begin()
        if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 1:
            raise InvalidRequestError(f"ttl must be an integer >= 1 second, got {ttl!r}")
        check_non_negative(lease_id, "lease_id")
        if lease_id and self._leases.get(lease_id) is not None:
            raise InvalidRequestError(f"lease {lease_id} already exists")
        lease = self._leases.grant(ttl, lease_id, self._clock.now())
        self._lease_changed.set()
        return LeaseGrant(id=lease.id, ttl=lease.ttl)

    async def lease_keepalive(self, lease_id: int) -> int:
        await self._begin()
        lease = self._leases.get(lease_id)
        if lease is None:
            raise LeaseNotFoundError(lease_id)
        self._leases.renew(lease, self._clock.now())
        return lease.ttl

    async def lease_revoke(self, lease_id: int) -> None:
        await self._begin()
        lease = self._leases.remove(lease_id)
        if lease is None:
            raise LeaseNotFoundError(lease_id)
        self._delete_lease_keys(lease.keys)

    async def lease_time_to_live(self, lease_id: int, *, keys: bool = False) -> LeaseStatus:
        await self._begin()
        lease = self._leases.get(lease_id)
        if lease is None:
            return LeaseStatus(id=lease_id, ttl=-1, granted_ttl=0)
        return LeaseStatus(
            id=lease_id,
            ttl=LeaseTable.remaining(lease, self._clock.now()),
            granted_ttl=lease.ttl,
            keys=tuple(sorted(lease.keys)) if keys else (),
        )

    def _delete_lease_keys(self, keys: Iterable[bytes]) -> None:
        """Delete a dead lease's keys, all at one revision (none if it had no keys)."""
        events: list[WatchEvent] = []
        for key in sorted(keys):
            self._write_delete(key, events)
        self._commit(events)

    def expire_leases(self) -> None:
        """Delete the keys of every lease whose deadline has passed, one revision per lease."""
        for lease in self._leases.pop_expired(self._clock.now()):
            self._delete_lease_keys(lease.keys)

    async def run_lease_expiry(self) -> None:
        """Background task: expire leases on time, re-reading the clock at least every 0.5 s."""
        while True:
            self.expire_leases()
            self._lease_changed = trio.Event()
            deadline = self._leases.next_deadline()
            if deadline is None:
                await self._lease_changed.wait()
                continue
            delay = max(0.0, deadline - self._clock.now())
            with trio.move_on_after(min(delay, LEASE_CHECK_INTERVAL)):
                await self._lease_changed.wait()

    # ------------------------------------------------------------------ lifecycle

    async def _begin(self) -> None:
        """Start every request: a trio checkpoint, then catch up on expired leases."""
        await trio.lowlevel.checkpoint()
        self.check_open()
        self.expire_leases()

    def check_open(self) -> None:
        """Raise `StoreUnavailableError` once the store's context has exited."""
        if self.closed:
            raise StoreUnavailableError("the memory store is closed", definite=True)

    def close(self) -> None:
        """Refuse further requests and end every open watch stream."""
        self.closed = True
        self.log_lot.unpark_all()


__all__ = ["MemoryStore", "MemoryStoreStatistics", "WatchStream"]
