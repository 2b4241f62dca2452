"""Claims beyond the core of the Raft paper: membership, compaction, client reads, pre-vote,
check-quorum, leadership transfer and fast backtracking. One test per claim; sections are
from the paper (Ongaro & Ousterhout, 2014) or, where marked, Ongaro's thesis (2014).
"""

from __future__ import annotations

import random

import pytest

from components.store.raft.core import (
    ConfChange,
    ConfChangeType,
    Config,
    ConfState,
    Entry,
    HardState,
    MemoryStorage,
    Message,
    MessageType,
    Mutant,
    RawNode,
    Snapshot,
    SnapshotMetadata,
    StateRole,
)
from components.store.raft.harness.cluster import Cluster

MT = MessageType


def elected(size: int = 3, **kw: object) -> Cluster:
    """A cluster of ``size`` nodes in which node 1 leads and everything is committed."""
    c = Cluster(range(1, size + 1), **kw)  # type: ignore[arg-type]
    c.elect(1)
    return c


def commit(c: Cluster, leader: int, *values: bytes) -> None:
    for v in values:
        c.node(leader).propose(v)
    c.stabilize()


def test_fast_backtracking_skips_a_whole_term_per_round_trip() -> None:
    """When rejecting an AppendEntries request, the follower can include the term of the
    conflicting entry and the first index it stores for that term, so the leader needs one
    round trip per conflicting term rather than one per entry.
    Reference: section 5.3
    """
    c = elected(3, pre_vote=False, max_size_per_msg=1)
    c.isolate(1)
    for i in range(10):
        c.node(1).propose(b"lost%d" % i)  # ten uncommitted entries of term 2
    c.stabilize()
    elect_without(c, 1)
    commit(c, c.leader(), *[b"kept%d" % i for i in range(10)])
    # A second leader change makes the new leader's first probe sit far above the point
    # where the logs match (a fresh leader probes at its own last index).
    other = 3 if c.leader() == 2 else 2
    c.node(c.leader()).transfer_leadership(other)
    c.stabilize()
    assert c.leader() == other
    rejects = []
    c.listeners.append(
        lambda node, rd: rejects.extend(
            m for m in rd.messages if node == 1 and m.type == MT.MsgAppResp and m.reject
        )
    )
    c.heal()
    leader = c.leader()
    for _ in range(30):
        c.tick(leader, c.node(leader).raft.heartbeat_timeout)
        c.stabilize()
    assert c.node(1).raft.log.last_index() == c.node(leader).raft.log.last_index()
    assert c.peers[1].applied_index == c.peers[leader].applied_index
    assert 1 <= len(rejects) <= 2, f"{len(rejects)} rejections for 10 conflicting entries"


def elect_without(c: Cluster, old: int) -> None:
    """Tick the nodes other than ``old`` together until one of them leads."""
    others = [i for i in c.peers if i != old]
    for _ in range(20 * c.node(others[0]).raft.election_timeout):
        for i in others:
            c.tick(i)
        c.stabilize()
        if c.leader() in others and c.node(c.leader()).raft.term > c.node(old).raft.term:
            return
    raise AssertionError("no new leader was elected")


def test_install_snapshot_catches_up_a_follower_behind_compaction() -> None:
    """The leader must occasionally send snapshots to followers that lag behind: when it
    has already discarded the next log entry it needs to send, it uses InstallSnapshot,
    and the follower discards its log and continues from the snapshot.
    Reference: section 7
    """
    c = elected(3)
    c.crash(3)
    commit(c, 1, b"a", b"b", b"c")
    assert c.snapshot_and_compact(1) > 0
    snaps = []
    c.listeners.append(
        lambda _node, rd: snaps.extend(m for m in rd.messages if m.type == MT.MsgSnap)
    )
    c.restart(3)
    for _ in range(3):
        c.tick(1, c.node(1).raft.heartbeat_timeout)
        c.stabilize()
    assert [m.to for m in snaps] == [3]
    assert c.peers[3].applied_index == c.peers[1].applied_index


def test_read_index_is_not_served_by_a_deposed_leader() -> None:
    """A leader must check whether it has been deposed before processing a read-only
    request: it records its commit index and serves the read only after a heartbeat round
    with a majority; an isolated old leader never answers.
    Reference: section 8
    """
    c = elected(3)
    c.isolate(1)
    c.read_index(1, b"stale?")
    c.stabilize()
    elect_without(c, 1)
    leader = c.leader()
    commit(c, leader, b"newer")
    assert c.node(1).raft.role == StateRole.Leader, "still believes it leads"
    assert c.peers[1].read_states == []  # Cluster also raises on any stale read index
    c.read_index(leader, b"fresh")
    c.stabilize()
    assert [ctx for _, ctx in c.peers[leader].read_states] == [b"fresh"]


def test_pre_vote_keeps_a_rejoining_node_from_disrupting_the_leader() -> None:
    """With pre-vote, a candidate first asks whether it could win; a partitioned server
    whose pre-vote fails never increments its term, so rejoining does not depose a leader.
    Reference: thesis section 9.6
    """
    c = elected(3, pre_vote=True)
    term = c.node(1).raft.term
    c.isolate(3)
    for _ in range(5):
        c.tick(3, 2 * c.node(3).raft.election_timeout)
        c.stabilize()
    assert c.node(3).raft.term == term
    c.heal()
    c.tick(1, c.node(1).raft.heartbeat_timeout)
    c.stabilize()
    assert c.leader() == 1
    assert c.node(1).raft.term == term


def test_check_quorum_leader_steps_down_without_a_majority() -> None:
    """With check-quorum, a leader that has not heard from a majority within an election
    timeout steps down, so clients stop waiting on it.
    Reference: thesis section 6.2
    """
    c = elected(3)
    c.isolate(1)
    for _ in range(2 * c.node(1).raft.election_timeout):
        c.tick(1)
        c.stabilize()
    assert c.node(1).raft.role == StateRole.Follower


def test_leadership_transfer_hands_over_to_an_up_to_date_target() -> None:
    """To transfer leadership, the leader brings the target's log up to date, then sends
    it TimeoutNow; the target starts an election at once and wins.
    Reference: thesis section 3.10
    """
    c = elected(3)
    c.crash(3)
    commit(c, 1, b"x")
    c.restart(3)
    c.node(1).transfer_leadership(3)
    c.stabilize()
    for _ in range(3):
        c.tick(1, c.node(1).raft.heartbeat_timeout)
        c.stabilize()
    assert c.leader() == 3
    assert c.node(1).raft.role == StateRole.Follower


def test_single_server_membership_change() -> None:
    """Adding or removing one server at a time keeps any two majorities overlapping; the
    change takes effect when applied, and a second change waits for the first.
    Reference: section 6 (thesis section 4.1)
    """
    c = elected(3)
    c.add_peer(4, MemoryStorage())
    c.node(1).propose_conf_change(ConfChange(ConfChangeType.AddNode, 4))
    c.stabilize()
    for _ in range(3):
        c.tick(1, c.node(1).raft.heartbeat_timeout)
        c.stabilize()
    assert c.node(1).raft.tracker.voters == (1, 2, 3, 4)
    assert c.peers[4].applied_index == c.peers[1].applied_index
    c.node(1).propose_conf_change(ConfChange(ConfChangeType.RemoveNode, 1))
    c.stabilize()
    assert c.node(2).raft.tracker.voters == (2, 3, 4)
    assert c.node(1).raft.role == StateRole.Follower


@pytest.mark.parametrize("mutant", [None, Mutant.SNAPSHOT_DROPS_NEWER_ENTRIES])
def test_snapshot_covering_a_held_prefix_keeps_the_newer_entries(mutant: Mutant | None) -> None:
    """If the follower already holds the snapshot's last included entry (same index and
    term), it retains the log entries following it; only the mutant drops them.
    Reference: section 7 (Figure 13, InstallSnapshot receiver step 6)
    """
    storage = MemoryStorage.bootstrap([1, 2, 3])
    storage.append([Entry(2, i) for i in range(2, 9)])
    storage.set_hard_state(HardState(term=2, vote=0, commit=1))
    mutants = frozenset({mutant}) if mutant else frozenset()
    node = RawNode(Config(id=1, mutants=mutants), storage, random.Random(1))
    snap = Snapshot(SnapshotMetadata(5, 2, ConfState((1, 2, 3))), b"state@5")
    node.step(Message(MT.MsgSnap, 1, 2, term=2, snapshot=snap))
    acks = [m.index for m in node.ready().messages if m.type == MT.MsgAppResp]
    if mutant is None:
        assert node.raft.log.last_index() == 8
        assert node.raft.log.committed == 5
        assert acks == [5]
    else:
        assert node.raft.log.last_index() == 5  # entries 6..8, maybe acked, are gone
