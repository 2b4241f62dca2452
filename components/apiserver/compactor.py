"""Periodic store compaction by the API server, as kube-apiserver's compactor does.

Every `interval` (Kubernetes: 5 minutes, ``--etcd-compaction-interval``) the compactor compacts
the store to the revision it saw one interval earlier, so reads and watches may still start
anywhere in the last interval (the window) and memory holds live data plus that window, not
every byte ever written. Kubernetes coordinates several API servers through a compare-and-swap
on a ``compact_rev_key``; one API server per store here needs no such key. Works on any `Store`
(memory, Raft, etcd): it only calls `status` and `compact`. Sleeps on trio's clock, so tests
drive it with a MockClock.
"""

from __future__ import annotations

import logging
from contextlib import suppress

import trio

from kernel.interfaces.store import CompactedError, Store, StoreError

log = logging.getLogger("kubelab.apiserver")

COMPACTION_INTERVAL_SECONDS = 300.0
"""kube-apiserver's --etcd-compaction-interval default (5 minutes); 0 turns compaction off."""


async def compact_once(store: Store, previous: int) -> int:
    """Compact to `previous` (the revision seen one interval ago) if above the boundary.

    Returns the current revision, the target of the next round.
    """
    status = await store.status()
    if previous > status.compact_revision:
        with suppress(CompactedError):  # someone else compacted further meanwhile
            await store.compact(previous)
    return status.revision


async def run_compactor(
    store: Store,
    interval: float = COMPACTION_INTERVAL_SECONDS,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Compact `store` every `interval` seconds until cancelled; a store error waits a round."""
    task_status.started()
    if interval <= 0:
        return
    previous = 0
    while True:
        await trio.sleep(interval)
        try:
            previous = await compact_once(store, previous)
        except StoreError as err:
            log.warning("compaction failed (%s); retrying in %.0f s", err, interval)


__all__ = ["COMPACTION_INTERVAL_SECONDS", "compact_once", "run_compactor"]
