"""The in-process replicated store: replicas agree, a retried write applies once, and
requests keep working across a leader change."""

from __future__ import annotations

import pickle

import trio
from trio.testing import MockClock

from components.store.raft.replicated import RaftStore, open_raft_store
from kernel.interfaces.store import ALL_KEYS_FROM


async def contents(store: RaftStore) -> list[tuple[int, list[tuple[bytes, bytes, int]]]]:
    """Each replica's revision and key-values, read from its own state machine."""
    out = []
    for r in store._replicas.values():
        result = await r.state.range(b"\0", ALL_KEYS_FROM)
        status = await r.state.status()
        out.append((status.revision, [(kv.key, kv.value, kv.mod_revision) for kv in result.kvs]))
    return out


async def test_replicas_apply_the_same_history(autojump_clock: MockClock) -> None:
    async with open_raft_store(members=3, seed=4) as store:
        for i in range(20):
            await store.put(b"k%d" % (i % 7), b"v%d" % i)
        await store.delete_range(b"k3")
        await trio.sleep(0.1)  # let followers apply the last commit
        seen = await contents(store)
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][0] == 22  # revision 1, 20 puts, 1 delete


async def test_a_retried_write_applies_once(autojump_clock: MockClock) -> None:
    async with open_raft_store(members=3) as store:
        first = await store.put(b"x", b"1")
        leader = store._leader()
        assert leader is not None
        command = pickle.dumps((99, 1, trio.current_time(), "put", (b"x", b"2"), {}))
        leader.node.propose(command)
        leader.node.propose(command)  # the client timed out and sent it again
        store._wake.set()
        await trio.sleep(0.1)
        seen = await contents(store)
    assert [rev for rev, _ in seen] == [first.revision + 1] * 3
    assert seen[0][1] == [(b"x", b"2", first.revision + 1)]


async def test_requests_continue_across_a_leader_change(autojump_clock: MockClock) -> None:
    async with open_raft_store(members=3) as store:
        before = await store.put(b"a", b"1")
        old = store._leader()
        assert old is not None
        new = 2 if old.id != 2 else 3
        old.node.transfer_leadership(new)
        store._wake.set()
        after = await store.put(b"a", b"2")
        leader = store._leader()
        assert leader is not None
        assert leader.id == new
        assert after.revision == before.revision + 1
        got = await store.range(b"a")
    assert [kv.value for kv in got.kvs] == [b"2"]


async def test_concurrent_requests_each_apply_once(autojump_clock: MockClock) -> None:
    async with open_raft_store(members=3) as store:
        async with trio.open_nursery() as nursery:
            for i in range(20):
                nursery.start_soon(store.put, b"c%d" % i, b"v")
        status = await store.status()
        got = await store.range(b"c", b"d", count_only=True)
    assert status.revision == 21
    assert got.count == 20
