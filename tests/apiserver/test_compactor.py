"""The API server's compactor, on virtual time: history older than one interval is dropped.

Before it, nothing ever compacted the store: memory kept every byte ever written, even for
objects long deleted.
"""

from __future__ import annotations

import pytest
import trio
import trio.testing

from components.apiserver.compactor import run_compactor
from components.store.memory import open_memory_store
from components.store.raft.replicated import open_raft_store
from kernel.interfaces.store import CompactedError, Store

INTERVAL = 300.0
VALUE = b"x" * 10_000


async def _churn(store: Store, n: int) -> int:
    """Create then delete `n` keys of 10 kB; returns the revision before the deletes."""
    for i in range(n):
        await store.put(b"/registry/pods/default/p%d" % i, VALUE)
    status = await store.status()
    for i in range(n):
        await store.delete_range(b"/registry/pods/default/p%d" % i)
    return status.revision


async def test_memory_kept_drops_after_deletes_once_the_window_passes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_memory_store() as store, trio.open_nursery() as nursery:
        await nursery.start(run_compactor, store, INTERVAL)
        await _churn(store, 50)
        full = store.statistics().retained_bytes
        assert full >= 50 * len(VALUE)
        await trio.sleep(INTERVAL * 0.5)  # inside the window: history stays readable
        assert store.statistics().retained_bytes == full
        await trio.sleep(INTERVAL * 2)  # one round records the revision, the next compacts it
        kept = store.statistics().retained_bytes
        assert kept < len(VALUE), (full, kept)
        assert store.statistics().live_keys == 0
        nursery.cancel_scope.cancel()


async def test_the_window_stays_readable_and_older_history_is_compacted(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_memory_store() as store, trio.open_nursery() as nursery:
        await nursery.start(run_compactor, store, INTERVAL)
        await trio.sleep(INTERVAL * 1.5)  # first round ran: the boundary is recorded
        old = await _churn(store, 3)
        await trio.sleep(INTERVAL)  # compacts to the revision seen a round ago, before churn
        assert (await store.range(b"/registry/pods/default/p0", revision=old)).kvs
        await trio.sleep(INTERVAL)  # now the churn is older than the window
        with pytest.raises(CompactedError):
            await store.range(b"/registry/pods/default/p0", revision=old)
        nursery.cancel_scope.cancel()


async def test_an_interval_of_zero_turns_compaction_off(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_memory_store() as store, trio.open_nursery() as nursery:
        await nursery.start(run_compactor, store, 0.0)
        await _churn(store, 3)
        await trio.sleep(INTERVAL * 5)
        assert (await store.status()).compact_revision == 0
        nursery.cancel_scope.cancel()


async def test_the_raft_store_is_compacted_too(autojump_clock: trio.testing.MockClock) -> None:
    async with open_raft_store(members=3, seed=4) as store, trio.open_nursery() as nursery:
        await nursery.start(run_compactor, store, INTERVAL)
        old = await _churn(store, 5)
        await trio.sleep(INTERVAL * 2.5)
        assert (await store.status()).compact_revision >= old
        with pytest.raises(CompactedError):
            await store.range(b"/registry/pods/default/p0", revision=old - 1)
        nursery.cancel_scope.cancel()
