"""Watches on the etcd store: live events, history replay, compaction, cancellation, resume."""

from __future__ import annotations

import httpx
import pytest
import trio

from components.store.etcd import EtcdStore, LocalEtcd, open_etcd_store
from kernel.interfaces.store import (
    CompactedError,
    EventType,
    StoreUnavailableError,
    WatchEvent,
    prefix_end,
)


async def _take(events, count: int) -> list[WatchEvent]:
    out = []
    with trio.fail_after(5):
        async for event in events:
            out.append(event)
            if len(out) == count:
                break
    return out


def _shape(event: WatchEvent) -> tuple:
    return (event.type, event.kv.key, event.kv.value, event.revision)


async def test_watch_from_now_sees_writes_made_after_entering(store: EtcdStore) -> None:
    async with store.watch(b"p/", prefix_end(b"p/"), prev_kv=True) as events:
        await store.put(b"p/a", b"1")
        await store.put(b"other", b"x")
        await store.put(b"p/a", b"2")
        await store.delete_range(b"p/", prefix_end(b"p/"))
        seen = await _take(events, 3)
    assert [_shape(e) for e in seen] == [
        (EventType.PUT, b"p/a", b"1", 2),
        (EventType.PUT, b"p/a", b"2", 4),
        (EventType.DELETE, b"p/a", b"", 5),
    ]
    assert seen[1].prev_kv is not None
    assert seen[1].prev_kv.value == b"1"
    assert (seen[2].kv.create_revision, seen[2].kv.version) == (0, 0)


async def test_watch_from_an_old_revision_replays_history_then_goes_live(
    store: EtcdStore,
) -> None:
    await store.put(b"k", b"1")  # 2
    await store.put(b"k", b"2")  # 3
    async with store.watch(b"k", start_revision=3) as events:
        await store.put(b"k", b"3")  # 4
        seen = await _take(events, 2)
    assert [e.revision for e in seen] == [3, 4]


async def test_events_of_one_txn_share_a_revision_in_key_order(store: EtcdStore) -> None:
    await store.put(b"b", b"1")
    await store.put(b"a", b"1")
    async with store.watch(b"a", b"c") as events:
        await store.delete_range(b"a", b"c")
        seen = await _take(events, 2)
    assert [(e.kv.key, e.revision) for e in seen] == [(b"a", 4), (b"b", 4)]


async def test_watch_from_a_compacted_revision_raises_compacted(store: EtcdStore) -> None:
    for i in range(5):
        await store.put(b"k", str(i).encode())  # 2..6
    await store.compact(5)
    with pytest.raises(CompactedError) as compacted:
        async with store.watch(b"k", start_revision=3) as events:
            await _take(events, 1)
    assert (compacted.value.revision, compacted.value.compact_revision) == (3, 5)


async def _watchers(etcd: LocalEtcd) -> float:
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(f"{etcd.endpoints[0]}/metrics")).text
    for line in metrics.splitlines():
        if line.startswith("etcd_debugging_mvcc_watcher_total"):
            return float(line.split()[-1])
    raise AssertionError("etcd exposes no etcd_debugging_mvcc_watcher_total metric")


async def test_leaving_the_block_cancels_the_watch_in_etcd(
    store: EtcdStore, etcd: LocalEtcd
) -> None:
    assert await _watchers(etcd) == 0
    async with store.watch(b"k"):
        assert await _watchers(etcd) == 1
    with trio.fail_after(5):
        while await _watchers(etcd) != 0:
            await trio.sleep(0.02)


async def _wait_for_leader(store: EtcdStore) -> None:
    """Poll linearizable reads (which need a leader) until one succeeds."""
    with trio.fail_after(10):
        while True:
            try:
                await store.range(b"k")
                return
            except StoreUnavailableError:
                await trio.sleep(0.05)


async def test_watch_resumes_without_gaps_when_its_member_dies(etcd3: LocalEtcd) -> None:
    async with (
        open_etcd_store(etcd3.endpoints) as watching,
        open_etcd_store(etcd3.endpoints[1:]) as writing,
        watching.watch(b"k") as events,
    ):
        await writing.put(b"k", b"1")
        (first,) = await _take(events, 1)
        etcd3.kill(0)  # the member serving the watch stream (maybe the leader)
        await _wait_for_leader(writing)
        await writing.put(b"k", b"2")
        await writing.put(b"k", b"3")
        rest = await _take(events, 2)
    assert [e.kv.value for e in (first, *rest)] == [b"1", b"2", b"3"]
    assert [e.revision for e in rest] == [first.revision + 1, first.revision + 2]
