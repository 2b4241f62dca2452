"""Watch streams over the memory store's shared event log.

A stream holds no buffer of its own, only a cursor (an absolute index into the store's event
log) and the range it filters on. Replay from an old revision and live delivery are therefore
the same loop, which is what makes "no gaps, no duplicates" hold by construction. Memory is
bounded by the log, which compaction trims: a stream whose cursor falls below the trimmed
part (a consumer slower than the compaction schedule) gets `CompactedError` from its next
`__anext__`, exactly as a slow etcd watcher does, and re-lists and re-watches. A slow consumer
thus never pins unbounded memory of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import trio

from components.store.memory._validation import check_key, check_non_negative, check_range_end
from kernel.interfaces.store import CompactedError, StoreUnavailableError, WatchEvent, in_range

if TYPE_CHECKING:
    from components.store.memory._store import MemoryStore

_CHECKPOINT_EVERY = 64
"""Yield to the scheduler at least this often while draining a backlog, for fairness."""


class WatchStream:
    """An async iterator of `WatchEvent`s for one watch on a `MemoryStore`."""

    def __init__(
        self,
        store: MemoryStore,
        key: bytes,
        range_end: bytes | None,
        *,
        start_revision: int,
        cursor: int,
        prev_kv: bool,
    ) -> None:
        self._store = store
        self._key = key
        self._range_end = range_end
        self._min_revision = start_revision
        self._next_revision = start_revision
        self._cursor = cursor
        self._prev_kv = prev_kv
        self._since_checkpoint = 0
        self.closed = False

    def __aiter__(self) -> WatchStream:
        return self

    async def __anext__(self) -> WatchEvent:
        await trio.lowlevel.checkpoint_if_cancelled()
        self._since_checkpoint += 1
        if self._since_checkpoint >= _CHECKPOINT_EVERY:
            self._since_checkpoint = 0
            await trio.lowlevel.cancel_shielded_checkpoint()
        store = self._store
        while True:
            if store.closed or self.closed:
                raise StoreUnavailableError("the watch's store is closed", definite=True)
            if self._cursor < store.log_base:
                raise CompactedError(self._next_revision, store.compact_revision)
            event = self._scan(store)
            if event is not None:
                return event
            self._since_checkpoint = 0
            await store.log_lot.park()

    def _scan(self, store: MemoryStore) -> WatchEvent | None:
        """Advance the cursor to the next matching event in the log, if any."""
        log = store.log
        base = store.log_base
        i = self._cursor - base
        while i < len(log):
            event = log[i]
            i += 1
            revision = event.kv.mod_revision
            if revision < self._min_revision:
                continue
            self._next_revision = revision
            if in_range(event.kv.key, self._key, self._range_end):
                self._cursor = base + i
                if not self._prev_kv and event.prev_kv is not None:
                    return WatchEvent(event.type, event.kv)
                return event
        self._cursor = base + i
        if log:
            self._next_revision = max(self._next_revision, log[-1].kv.mod_revision + 1)
        return None


@asynccontextmanager
async def open_watch(
    store: MemoryStore,
    key: bytes,
    range_end: bytes | None,
    start_revision: int,
    prev_kv: bool,
) -> AsyncIterator[AsyncIterator[WatchEvent]]:
    """Validate and open a watch; a compacted `start_revision` raises here, on entering."""
    await trio.lowlevel.checkpoint()
    check_key(key)
    check_range_end(range_end)
    check_non_negative(start_revision, "start_revision")
    first, cursor = store.watch_cursor(start_revision)
    stream = WatchStream(
        store, key, range_end, start_revision=first, cursor=cursor, prev_kv=prev_kv
    )
    store.watchers += 1
    try:
        yield stream
    finally:
        stream.closed = True
        store.watchers -= 1
        store.log_lot.unpark_all()  # a task still parked in __anext__ sees `closed` and ends
