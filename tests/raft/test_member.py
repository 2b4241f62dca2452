"""The Raft member program in the simulator: durability, restarts, reads, watches, failover."""

from __future__ import annotations

import json
import random

import pytest
import trio
from trio.testing import MockClock

from components.store.raft.core.mutants import Mutant
from components.store.raft.durable import DurableStorage
from components.store.raft.member import compacting_main, make_member
from components.store.raft.snapfile import snap_index
from components.store.raft.wal import WalCorruptError, read_segment, segment_name
from fault_injection.sim import Groups
from fault_injection.sim.disk import Disk
from kernel.interfaces.store import EventType, StoreUnavailableError
from tests.raft.sim_cluster import add_endpoint, open_sim_cluster

# -- WAL and durable storage ---------------------------------------------------------------


def _fresh() -> tuple[Disk, DurableStorage]:
    disk = Disk(random.Random(0))
    return disk, DurableStorage.open(disk, [1, 2, 3])


def _append(storage: DurableStorage, first: int, n: int, *, sync: bool = True) -> None:
    from components.store.raft.core import Entry, HardState

    entries = [Entry(1, i, data=f"e{i}".encode()) for i in range(first, first + n)]
    storage.save(HardState(1, 1, first + n - 1), entries, sync)


def test_recovery_keeps_synced_entries_and_drops_unsynced_ones() -> None:
    disk, storage = _fresh()
    _append(storage, 2, 3)
    _append(storage, 5, 2, sync=False)
    disk.crash()
    back = DurableStorage.open(disk, [1, 2, 3])
    assert back.last_index() == 4
    assert [e.data for e in back.entries(2, 5)] == [b"e2", b"e3", b"e4"]
    assert back.hard_state.commit == 4


def test_torn_tail_is_truncated_and_appending_continues() -> None:
    disk, storage = _fresh()
    _append(storage, 2, 3)
    name = storage.segment
    whole = disk.read(name)
    disk.append(name, b"\x40\x00\x00\x00garbage")  # a record header promising 64 bytes
    disk.fsync(name)
    back = DurableStorage.open(disk, [1, 2, 3])
    assert back.last_index() == 4
    assert disk.read(name) == whole  # the torn tail was cut off durably
    _append(back, 5, 1)
    again = DurableStorage.open(disk, [1, 2, 3])
    assert again.last_index() == 5


def test_corrupt_middle_record_is_refused_naming_file_and_offset() -> None:
    disk, storage = _fresh()
    _append(storage, 2, 1)
    name = storage.segment
    offset = len(disk.read(name))
    _append(storage, 3, 1)
    _append(storage, 4, 1)
    data = bytearray(disk.read(name))
    data[offset + 10] ^= 0xFF  # inside the payload of the record at `offset`
    disk.write(name, bytes(data))
    disk.fsync(name)
    with pytest.raises(WalCorruptError) as info:
        DurableStorage.open(disk, [1, 2, 3])
    assert info.value.file == name
    assert info.value.offset == offset
    assert name in str(info.value)
    assert str(offset) in str(info.value)


def test_snapshot_compacts_the_log_and_restart_reads_snapshot_plus_tail() -> None:
    disk, storage = _fresh()
    _append(storage, 2, 20)
    storage.snapshot_and_compact(15, storage.snapshot().metadata.conf_state, b"state", keep=5)
    _append(storage, 22, 3)
    segments = [n for n in disk.listdir() if n.startswith("wal-")]
    assert segments == [segment_name(10)]
    disk.crash()
    back = DurableStorage.open(disk, [1, 2, 3])
    assert back.snapshot().metadata.index == 15
    assert back.snapshot().data == b"state"
    assert back.first_index() == 16
    assert back.last_index() == 24
    assert read_segment(disk, segments[0]).records[0] == ("base", 10, 1)


# -- the member program in the simulator -------------------------------------------------


async def test_every_acknowledged_write_survives_killing_every_member(
    autojump_clock: MockClock,
) -> None:
    """Crash all members (unsynced writes lost, tails torn), restart: acked writes are there."""
    async with open_sim_cluster(seed=3, torn_writes=True, program=compacting_main) as c:
        acked = []
        for i in range(60):
            await c.client.put(f"k{i}".encode(), f"v{i}".encode())
            acked.append(i)
            if i % 20 == 19:
                for node in c.nodes:
                    c.world.crash(node)
                for node in c.nodes:
                    c.world.restart(node)
        res = await c.client.range(b"k", b"l")
        got = {kv.key: kv.value for kv in res.kvs}
        assert got == {f"k{i}".encode(): f"v{i}".encode() for i in acked}


async def test_a_lagging_member_catches_up_through_a_snapshot(autojump_clock: MockClock) -> None:
    async with open_sim_cluster(seed=4, program=compacting_main) as c:
        await c.client.put(b"a", b"0")
        lagging = next(n for n in c.nodes if n != c.leader())
        c.world.crash(lagging)
        for i in range(80):
            await c.client.put(b"a", str(i).encode())
        c.world.restart(lagging)
        await trio.sleep(2.0)
        # It missed entries the others compacted away, so it can only have caught up through
        # InstallSnapshot: its disk now holds a snapshot far past what it had seen.
        snaps = [snap_index(n) for n in c.world.host(lagging).disk.listdir()]
        assert max(i for i in snaps if i is not None) >= 64
        leader = c.leader()
        c.world.crash(leader)
        res = await c.client.range(b"a")
        assert res.kvs[0].value == b"79"


async def test_writes_continue_across_leader_crashes(autojump_clock: MockClock) -> None:
    async with open_sim_cluster(seed=5) as c:
        for i in range(5):
            await c.client.put(b"x", str(i).encode())
            old = c.leader()
            c.world.crash(old)
            await c.client.put(b"y", str(i).encode())
            assert c.leader() != old
            c.world.restart(old)
        assert (await c.client.range(b"x")).kvs[0].value == b"4"


async def _stale_read_probe(program: object, seed: int) -> list[dict[str, object]]:
    """Depose a paused, partitioned leader, write through the new one, then read at the old.

    Returns every reply the old leader sent to the read.
    """
    async with open_sim_cluster(seed=seed, program=program) as c:  # type: ignore[arg-type]
        await c.client.put(b"k", json.dumps(1).encode())
        old = c.leader()
        others = tuple(n for n in c.nodes if n != old)
        c.world.net.partition(Groups("isolate", ((old,), others)))
        c.world.pause(old)
        await c.client.put(b"k", json.dumps(2).encode())  # committed by the new majority
        assert c.leader() != old
        probe = await add_endpoint(c.world, "probe")
        c.world.resume(old)
        probe.send(old, {"type": "read", "key": "k", "msg_id": 1})
        replies = []
        with trio.move_on_after(3.0):
            while True:
                msg = await probe.recv()
                replies.append(msg.payload)
        return replies


async def test_a_deposed_leader_never_serves_a_stale_read(autojump_clock: MockClock) -> None:
    """ReadIndex needs a heartbeat round with a majority: the old leader cannot answer."""
    replies = await _stale_read_probe(make_member(), seed=6)
    assert replies, "the deposed leader should answer (an error) once it steps down"
    assert all(r["type"] == "error" and r["code"] == 11 for r in replies), replies


async def test_the_read_without_read_index_mutant_serves_a_stale_read(
    autojump_clock: MockClock,
) -> None:
    """The same scenario catches the mutant: the check above can fail."""
    program = make_member(mutants=frozenset({Mutant.READ_WITHOUT_READ_INDEX}))
    replies = await _stale_read_probe(program, seed=6)
    assert {"type": "read_ok", "value": 1, "in_reply_to": 1} in replies


async def test_a_watch_resumes_on_the_new_leader_without_gaps_or_duplicates(
    autojump_clock: MockClock,
) -> None:
    async with open_sim_cluster(seed=7, watch_silence=1.5) as c:
        first = await c.client.put(b"w/0", b"0")
        seen = []
        async with c.client.watch(b"w/", b"w0", start_revision=first.revision) as events:

            async def writer() -> None:
                for i in range(1, 12):
                    await c.client.put(f"w/{i}".encode(), str(i).encode())
                    if i in (4, 8):
                        c.world.crash(c.leader())
                        await trio.sleep(0.2)
                        for n in c.nodes:
                            if c.world.host(n).state == "down":
                                c.world.restart(n)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(writer)
                with trio.fail_after(60):
                    async for ev in events:
                        assert ev.type is EventType.PUT
                        seen.append(ev.kv.key)
                        if len(seen) == 12:
                            break
        assert seen == [f"w/{i}".encode() for i in range(12)]


async def test_requests_fail_definitely_without_a_quorum(autojump_clock: MockClock) -> None:
    async with open_sim_cluster(seed=8, deadline=2.0) as c:
        await c.client.put(b"q", b"1")
        for n in c.nodes[1:]:
            c.world.crash(n)
        with pytest.raises(StoreUnavailableError) as info:
            await c.client.range(b"q")
        assert info.value.definite
        with pytest.raises(StoreUnavailableError) as info:
            await c.client.put(b"q", b"2")
        assert not info.value.definite  # it was proposed: it may still apply


def test_a_segment_cut_short_by_a_crash_falls_back_to_the_previous_one() -> None:
    """The new segment after a snapshot is written whole before the old one is deleted."""
    from components.store.raft.core import HardState

    disk, storage = _fresh()
    _append(storage, 2, 10)
    storage.save(HardState(2, 3, 11), [], True)  # a vote that must survive
    old = storage.segment
    old_bytes = disk.read(old)
    storage.snapshot_and_compact(8, storage.snapshot().metadata.conf_state, b"s", keep=2)
    new = storage.segment
    # Simulate a crash right after the new segment's write, before the old one's deletion:
    disk.write(old, old_bytes)
    disk.write(new, disk.read(new)[:20])  # only part of its base record made it
    disk.fsync()
    back = DurableStorage.open(disk, [1, 2, 3])
    assert back.segment == old
    assert (back.hard_state.term, back.hard_state.vote) == (2, 3)
    assert back.last_index() == 11
    assert not disk.exists(new)


@pytest.mark.parametrize("seed", range(5))
async def test_service_returns_within_two_election_timeouts_after_a_majority_restarts(
    seed: int, autojump_clock: MockClock
) -> None:
    """Two of three members down (no quorum); restart them: a read succeeds within 2 s.

    Two election timeouts at their longest: 2 x (2 x 10 ticks of 50 ms) = 2.0 s. The client
    retries every 50 ms so its own delays do not count.
    """
    async with open_sim_cluster(seed=seed, attempt_timeout=0.05, deadline=30.0) as c:
        await c.client.put(b"r", b"1")
        leader = c.leader()
        down = [next(n for n in c.nodes if n != leader), leader]
        for n in down:
            c.world.crash(n)
        await trio.sleep(3.0)
        healed = trio.current_time()
        for n in down:
            c.world.restart(n)
        res = await c.client.range(b"r")
        assert res.kvs[0].value == b"1"
        assert trio.current_time() - healed <= 2.0


async def _watch_then_maybe_leave(*, leave: bool) -> list[str]:
    """A raw client watches ``w`` on the leader, maybe says it is gone, then a put happens:
    the message types the client receives after that point."""
    async with open_sim_cluster(seed=3) as c:
        await c.client.put(b"w", b"0")
        leader = c.leader()
        raw = await add_endpoint(c.world, "raw")
        watch = {"key": b"w", "watch_id": 7}
        raw.send(leader, {"type": "store", "msg_id": 1, "client": "raw", "seq": 1,
                          "method": "watch", "args": watch})  # fmt: skip
        with trio.fail_after(5):
            assert (await raw.recv()).payload["type"] == "store_ok"
        if leave:
            raw.send(leader, {"type": "client_gone"})  # what the TCP host sends on close
        await trio.sleep(0.5)
        while True:  # forget anything sent before
            with trio.move_on_after(0.01):
                await raw.recv()
                continue
            break
        await c.client.put(b"w", b"1")
        later: list[str] = []
        with trio.move_on_after(3.0):
            while True:
                later.append((await raw.recv()).payload["type"])
        return later


async def test_a_gone_clients_watches_stop(autojump_clock: MockClock) -> None:
    """Without `client_gone` a watch of a client whose connection ended would run forever."""
    assert {"watch_event", "watch_progress"} <= set(await _watch_then_maybe_leave(leave=False))
    assert await _watch_then_maybe_leave(leave=True) == []
