"""One test per claim of the Raft paper (Ongaro & Ousterhout, 2014), after etcd's
raft_paper_test.go. Each docstring states the claim and ends with its section.
"""

from __future__ import annotations

import random

import attrs
import pytest

from components.store.raft.core import (
    NONE,
    Config,
    Entry,
    HardState,
    MemoryStorage,
    Message,
    MessageType,
    Mutant,
    RawNode,
    StateRole,
)
from components.store.raft.harness.cluster import Cluster

MT = MessageType


def make_storage(voters: tuple[int, ...], terms: list[int], term: int = 0) -> MemoryStorage:
    """Bootstrap storage whose log holds entries of ``terms`` from index 2 on."""
    storage = MemoryStorage.bootstrap(voters)
    storage.append([Entry(t, i) for i, t in enumerate(terms, start=2)])
    storage.set_hard_state(HardState(term=max([1, term, *terms]), vote=0, commit=1))
    return storage


def make_node(
    node_id: int = 1,
    voters: tuple[int, ...] = (1, 2, 3),
    terms: list[int] | None = None,
    term: int = 0,
    pre_vote: bool = False,
    election_tick: int = 10,
) -> RawNode:
    config = Config(id=node_id, election_tick=election_tick, pre_vote=pre_vote, check_quorum=False)
    return RawNode(config, make_storage(voters, terms or [], term), random.Random(node_id))


def drain(node: RawNode) -> list[Message]:
    """Process every Ready the way a driver would (persisting nothing) and return messages."""
    out: list[Message] = []
    while (rd := node.ready()) is not None:
        storage = node.raft.log.storage
        assert isinstance(storage, MemoryStorage)
        if rd.snapshot is not None:
            storage.apply_snapshot(rd.snapshot)
        storage.append(rd.entries)
        if rd.hard_state is not None:
            storage.set_hard_state(rd.hard_state)
        out.extend(rd.messages)
        node.advance(rd)
    return out


def msg(kind: MessageType, frm: int, to: int, term: int, **kw: object) -> Message:
    return Message(kind, to, frm, term, **kw)  # type: ignore[arg-type]


def become_leader(node: RawNode) -> None:
    node.campaign()
    for peer in node.raft.tracker.voters:
        if peer != node.id:
            node.step(msg(MT.MsgVoteResp, peer, node.id, node.raft.term))
    assert node.raft.role == StateRole.Leader
    drain(node)


# -- 5.1 terms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["follower", "candidate", "leader"])
def test_update_term_from_message(role: str) -> None:
    """If one server's current term is smaller than the other's, it updates its term to the
    larger value; a candidate or leader that discovers it is stale reverts to follower.
    Reference: section 5.1
    """
    node = make_node()
    if role == "candidate":
        node.campaign()
    elif role == "leader":
        become_leader(node)
    node.step(msg(MT.MsgApp, 2, 1, term=7, index=1, log_term=1))
    assert node.raft.term == 7
    assert node.raft.role == StateRole.Follower
    assert node.raft.lead == 2


def test_reject_stale_term_message() -> None:
    """If a server receives a request with a stale term number, it rejects the request.
    Reference: section 5.1
    """
    node = make_node(term=5)
    before = node.raft.log.last_index()
    node.step(msg(MT.MsgApp, 2, 1, term=3, index=1, log_term=1, entries=(Entry(3, 2),)))
    assert node.raft.log.last_index() == before
    assert node.raft.term == 5
    assert node.raft.lead == NONE


# -- 5.2 leader election -----------------------------------------------------------------------


def test_start_as_follower() -> None:
    """When servers start up, they begin as followers.
    Reference: section 5.2
    """
    node = make_node()
    assert node.raft.role == StateRole.Follower


def test_leader_bcast_beat() -> None:
    """Leaders send periodic heartbeats (AppendEntries carrying no entries) to all
    followers in order to maintain their authority.
    Reference: section 5.2
    """
    node = make_node()
    become_leader(node)
    node.tick()
    beats = [m for m in drain(node) if m.type == MT.MsgHeartbeat]
    assert sorted(m.to for m in beats) == [2, 3]
    assert all(not m.entries for m in beats)


@pytest.mark.parametrize("role", ["follower", "candidate"])
def test_nonleader_start_election(role: str) -> None:
    """If a follower receives no communication over a period called the election timeout,
    it increments its term, votes for itself and issues RequestVote RPCs to the others
    (a candidate whose election timed out does the same).
    Reference: section 5.2
    """
    node = make_node()
    if role == "candidate":
        node.campaign()
        drain(node)
    term = node.raft.term
    for _ in range(2 * node.raft.election_timeout):
        node.tick()
    assert node.raft.role == StateRole.Candidate
    assert node.raft.term == term + 1
    assert node.raft.vote == 1
    votes = [m for m in drain(node) if m.type == MT.MsgVote]
    assert sorted(m.to for m in votes) == [2, 3]
    assert all(m.term == term + 1 for m in votes)


@pytest.mark.parametrize(
    ("size", "grants", "rejects", "role"),
    [
        (1, [], [], StateRole.Leader),
        (3, [2], [], StateRole.Leader),
        (3, [2, 3], [], StateRole.Leader),
        (5, [2, 3], [], StateRole.Leader),
        (3, [], [], StateRole.Candidate),
        (5, [2], [], StateRole.Candidate),
        (3, [], [2, 3], StateRole.Follower),
        (5, [2], [3, 4, 5], StateRole.Follower),
    ],
)
def test_leader_election_in_one_round(
    size: int, grants: list[int], rejects: list[int], role: StateRole
) -> None:
    """A candidate wins an election if it receives votes from a majority of the servers in
    the full cluster for the same term; it loses once a majority refused.
    Reference: section 5.2
    """
    node = make_node(voters=tuple(range(1, size + 1)))
    node.campaign()
    term = node.raft.term
    for g in grants:
        node.step(msg(MT.MsgVoteResp, g, 1, term))
    for r in rejects:
        node.step(msg(MT.MsgVoteResp, r, 1, term, reject=True))
    assert node.raft.role == role


def test_follower_votes_once_first_come_first_served() -> None:
    """Each server will vote for at most one candidate in a given term, on a
    first-come-first-served basis.
    Reference: section 5.2
    """
    node = make_node()
    node.step(msg(MT.MsgVote, 2, 1, term=2, index=1, log_term=1))
    node.step(msg(MT.MsgVote, 3, 1, term=2, index=1, log_term=1))
    node.step(msg(MT.MsgVote, 2, 1, term=2, index=1, log_term=1))  # retried request
    resps = [m for m in drain(node) if m.type == MT.MsgVoteResp]
    assert [(m.to, m.reject) for m in resps] == [(2, False), (3, True), (2, False)]
    assert node.raft.vote == 2


def test_candidate_falls_back_to_follower() -> None:
    """While waiting for votes, if a candidate receives AppendEntries from another server
    claiming to be leader with a term at least as large, it becomes a follower.
    Reference: section 5.2
    """
    for term_offset in (0, 1):
        node = make_node()
        node.campaign()
        term = node.raft.term + term_offset
        node.step(msg(MT.MsgApp, 2, 1, term, index=1, log_term=1))
        assert node.raft.role == StateRole.Follower
        assert node.raft.term == term


def test_election_timeout_randomized() -> None:
    """Election timeouts are chosen randomly from a fixed interval so that split votes are
    rare; here [T, 2T), and they do not all coincide.
    Reference: section 5.2
    """
    node = make_node(election_tick=10)
    seen = set()
    for _ in range(200):
        node.raft.reset_randomized_election_timeout()
        seen.add(node.raft.randomized_election_timeout)
    assert seen <= set(range(10, 20))
    assert len(seen) > 5


def test_election_safety_at_most_one_leader_per_term() -> None:
    """Election safety: at most one leader can be elected in a given term, even when every
    node campaigns at once.
    Reference: section 5.2
    """
    for seed in range(20):
        c = Cluster(range(1, 6), seed=seed, pre_vote=False)
        for i in c.peers:
            c.node(i).campaign()
        c.stabilize()  # Cluster raises SafetyViolation on two leaders in a term
        leaders = [i for i in c.peers if c.node(i).raft.role == StateRole.Leader]
        assert len(leaders) <= 1


def test_vote_requires_up_to_date_log() -> None:
    """The voter denies its vote if its own log is more up-to-date than the candidate's:
    compare last terms, then last indices.
    Reference: section 5.4.1
    """
    cases = [  # (candidate last term, last index, granted) against a log [1, 2] (idx 2, 3)
        (1, 1, False),
        (1, 3, False),
        (1, 9, False),
        (2, 2, False),
        (2, 3, True),
        (2, 4, True),
        (3, 1, True),
    ]
    for log_term, index, granted in cases:
        node = make_node(terms=[1, 2], term=2)
        node.step(msg(MT.MsgVote, 2, 1, term=3, index=index, log_term=log_term))
        resp = next(m for m in drain(node) if m.type == MT.MsgVoteResp)
        assert resp.reject == (not granted), (log_term, index)


def test_leader_completeness_stale_log_cannot_win() -> None:
    """Leader completeness: a candidate whose log lacks a committed entry cannot win, since
    a majority holding that entry refuses its vote.
    Reference: section 5.4
    """
    c = Cluster([1, 2, 3], pre_vote=False)
    c.elect(1)
    c.isolate(3)
    c.node(1).propose(b"committed")
    c.stabilize()
    assert c.node(1).raft.log.committed == c.node(2).raft.log.last_index()
    c.heal()
    c.node(3).campaign()
    c.stabilize()
    assert c.node(3).raft.role != StateRole.Leader
    assert c.leader() in (1, 2)


# -- 5.3 log replication -----------------------------------------------------------------------


def test_leader_start_replication() -> None:
    """When a leader receives a command, it appends it to its log as a new entry and issues
    AppendEntries to each of the other servers to replicate it.
    Reference: section 5.3
    """
    node = make_node()
    become_leader(node)
    last = node.raft.log.last_index()
    for peer in (2, 3):  # followers acknowledge the leader's no-op
        node.step(msg(MT.MsgAppResp, peer, 1, node.raft.term, index=last))
    drain(node)
    node.propose(b"cmd")
    apps = [m for m in drain(node) if m.type == MT.MsgApp]
    assert sorted(m.to for m in apps) == [2, 3]
    for m in apps:
        assert m.index == last
        assert [(e.index, e.data) for e in m.entries] == [(last + 1, b"cmd")]


def test_leader_commit_entry_and_notifies_followers() -> None:
    """A log entry is committed once the leader that created it has replicated it on a
    majority; the leader then applies it and includes the commit index in later
    AppendEntries so followers learn it.
    Reference: section 5.3
    """
    c = Cluster([1, 2, 3])
    c.elect(1)
    c.node(1).propose(b"cmd")
    c.stabilize()
    for i in (1, 2, 3):
        assert c.peers[i].applied_data == [b"cmd"]
        assert c.node(i).raft.log.committed == c.node(1).raft.log.last_index()


def test_leader_commits_with_majority_only() -> None:
    """The leader commits once a majority (itself included) holds the entry, not before.
    Reference: section 5.3
    """
    node = make_node(voters=(1, 2, 3, 4, 5))
    become_leader(node)
    last = node.raft.log.last_index()
    node.propose(b"cmd")
    drain(node)
    node.step(msg(MT.MsgAppResp, 2, 1, node.raft.term, index=last + 1))
    assert node.raft.log.committed < last + 1
    node.step(msg(MT.MsgAppResp, 3, 1, node.raft.term, index=last + 1))
    assert node.raft.log.committed == last + 1


def test_leader_commits_preceding_entries() -> None:
    """When the leader commits an entry it also commits all preceding entries, including
    those created by previous leaders.
    Reference: section 5.3
    """
    node = make_node(terms=[1, 2], term=2)
    become_leader(node)
    last = node.raft.log.last_index()
    node.step(msg(MT.MsgAppResp, 2, 1, node.raft.term, index=last))
    assert node.raft.log.committed == last
    applied = [e.index for e in (node.ready() or pytest.fail("no ready")).committed_entries]
    assert applied == [2, 3, 4]


def test_follower_check_msg_app() -> None:
    """If the follower does not find an entry in its log with the same index and term as
    the one preceding the new entries, it refuses them (consistency check).
    Reference: section 5.3
    """
    cases = [(1, 2, False), (2, 3, False), (2, 2, True), (1, 1, False), (1, 3, True), (3, 4, True)]
    for log_term, index, reject in cases:
        node = make_node(terms=[1, 2], term=2)
        node.step(msg(MT.MsgApp, 2, 1, term=2, log_term=log_term, index=index))
        resp = next(m for m in drain(node) if m.type == MT.MsgAppResp)
        assert resp.reject == reject, (log_term, index)


@pytest.mark.parametrize(
    ("index", "log_term", "entries", "expected"),
    [
        (3, 2, [Entry(3, 4)], [1, 2, 3]),
        (2, 1, [Entry(3, 3), Entry(4, 4)], [1, 3, 4]),
        (1, 1, [Entry(1, 2)], [1, 2]),
        (1, 1, [Entry(3, 2)], [3]),
    ],
)
def test_follower_append_entries(
    index: int, log_term: int, entries: list[Entry], expected: list[int]
) -> None:
    """If an existing entry conflicts with a new one (same index, different terms), the
    follower deletes it and all that follow, then appends new entries not already there.
    Reference: section 5.3
    """
    node = make_node(terms=[1, 2], term=2)
    node.step(msg(MT.MsgApp, 2, 1, term=4, log_term=log_term, index=index, entries=tuple(entries)))
    drain(node)
    log = node.raft.log
    assert [e.term for e in log.slice(2, log.last_index() + 1)] == expected


FIGURE_7_FOLLOWERS = {
    "a": [1, 1, 1, 4, 4, 5, 5, 6, 6],
    "b": [1, 1, 1, 4],
    "c": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    "d": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    "e": [1, 1, 1, 4, 4, 4, 4],
    "f": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
}


@pytest.mark.parametrize("name", sorted(FIGURE_7_FOLLOWERS))
def test_leader_sync_follower_log(name: str) -> None:
    """The leader handles inconsistencies by forcing the followers' logs to duplicate its
    own, whatever the follower's log looks like (Figure 7, cases a-f), using the
    rejection hints to skip whole terms.
    Reference: section 5.3
    """
    leader_terms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
    c = Cluster([1, 2, 3], pre_vote=False)
    for node_id, terms in ((1, leader_terms), (2, FIGURE_7_FOLLOWERS[name]), (3, [])):
        c.add_peer(node_id, make_storage((1, 2, 3), terms, term=8))
    # node 3 (empty log) votes for the leader; node 2 is the follower to repair
    c.node(1).campaign()
    c.stabilize()
    assert c.node(1).raft.role == StateRole.Leader
    c.node(1).propose(b"x")
    c.stabilize()
    leader_log = c.node(1).raft.log
    follower_log = c.node(2).raft.log
    assert follower_log.last_index() == leader_log.last_index()
    assert [e.term for e in follower_log.slice(2, follower_log.last_index() + 1)] == [
        e.term for e in leader_log.slice(2, leader_log.last_index() + 1)
    ]


def test_leader_append_only_and_log_matching() -> None:
    """Leader append-only: a leader never overwrites or deletes entries in its log. Log
    matching: two logs with an entry of the same index and term are identical up to it.
    Checked over randomized runs with faults.
    Reference: section 5.3
    """
    from components.store.raft.harness.chaos import run_seed

    for seed in range(15):
        checks: list[str] = []
        last_by_leader: dict[tuple[int, int], int] = {}

        def listener(node_id: int, rd, checks=checks, last=last_by_leader) -> None:
            if not rd.entries:
                return
            key = (node_id, rd.entries[0].term)
            first = rd.entries[0].index
            if key in last and all(e.term == key[1] for e in rd.entries) and first <= last[key]:
                # entries of the node's own term restarting at or before what it wrote
                checks.append(f"node {node_id} rewrote {first}..{last[key]} in term {key[1]}")
            last[key] = rd.entries[-1].index

        result = run_seed(seed, steps=1500, listener=listener, check_log_matching=True)
        assert result.error is None, f"seed {seed}: {result.error}"
        assert not checks, f"seed {seed}: {checks}"


# -- 5.4 safety ----------------------------------------------------------------------------------


def test_leader_only_commits_log_from_current_term() -> None:
    """Raft never commits log entries from previous terms by counting replicas; only an
    entry of the leader's current term is committed this way.
    Reference: section 5.4.2
    """
    node = make_node(terms=[1, 2], term=2)
    become_leader(node)
    term = node.raft.term
    # a follower acknowledges only the old-term entries, not the leader's no-op
    node.step(msg(MT.MsgAppResp, 2, 1, term, index=3))
    assert node.raft.log.committed == 1
    node.step(msg(MT.MsgAppResp, 2, 1, term, index=4))
    assert node.raft.log.committed == 4


def figure_8(mutants: frozenset = frozenset()) -> Cluster:
    """Play Figure 8 from state (c) on; raises SafetyViolation if it is broken.

    S1 and S2 hold the term-2 entry at index 2, S5 holds a term-3 entry there, S3 and S4
    hold nothing. S1 wins term 4 (votes of S2, S3) and copies its term-2 entry to S3, so
    a majority stores it, then crashes before S3 sees any term-4 entry. S5 then wins term
    5 with S3 and S4 and overwrites index 2. That is only safe because S1 never committed
    the term-2 entry by counting replicas.
    """
    c = Cluster(
        range(1, 6), pre_vote=False, check_quorum=False, max_size_per_msg=1, mutants=mutants
    )
    logs = {1: [2], 2: [2], 3: [], 4: [], 5: [3]}
    for i, terms in logs.items():
        c.add_peer(i, make_storage((1, 2, 3, 4, 5), terms, term=4 if i == 5 else 3))
    for i in (4, 5):
        c.cut |= {(1, i), (i, 1)}
    c.node(1).campaign()
    for _ in range(20):  # run S1's term, but no term-4 entry ever reaches S3
        for i in c.up_ids():
            c.process_ready(i)
        c.in_flight = [
            attrs.evolve(m, entries=tuple(e for e in m.entries if e.term != 4)) if m.to == 3 else m
            for m in c.in_flight
        ]
        c.deliver_all()
        c.tick(1)
    assert c.node(1).raft.role == StateRole.Leader
    assert c.node(3).raft.log.term(2) == 2  # a majority (S1, S2, S3) stores the entry
    c.crash(1)
    c.heal()
    c.node(5).campaign()
    c.stabilize()
    assert c.node(5).raft.role == StateRole.Leader
    return c


def test_figure_8_older_term_entry_not_committed_by_counting() -> None:
    """Figure 8: an entry from an earlier term stored on a majority can still be
    overwritten by a future leader, so a leader must not commit it by counting replicas;
    the scenario runs without a state-machine-safety violation (S5 legally overwrites it).
    Reference: section 5.4.2
    """
    c = figure_8()
    assert c.node(3).raft.log.term(2) == 3
    assert c.peers[3].applied_index >= 2


def test_log_state_machine_safety_randomized() -> None:
    """State machine safety: if a server has applied a log entry at a given index, no
    other server will ever apply a different entry for that index (checked at every apply
    over seeded runs with crashes, partitions, loss, duplication and reordering).
    Reference: section 5.4.3
    """
    from components.store.raft.harness.chaos import run_seed

    for seed in range(20):
        result = run_seed(seed, steps=1500)
        assert result.error is None, f"seed {seed}: {result.error}"


def test_persisted_state_survives_restart() -> None:
    """Servers persist currentTerm, votedFor and the log before responding; a restarted
    server recovers them from stable storage and does not vote twice in a term.
    Reference: section 5.2 (Figure 2)
    """
    c = Cluster([1, 2, 3], pre_vote=False)
    c.node(2).campaign()
    c.process_ready(2)
    c.deliver_all(to=[1])
    c.process_ready(1)  # node 1 persisted its vote for 2, then crashes
    term = c.node(1).raft.term
    c.crash(1)
    c.restart(1)
    assert (c.node(1).raft.term, c.node(1).raft.vote) == (term, 2)
    c.node(1).step(msg(MT.MsgVote, 3, 1, term, index=99, log_term=99))
    resp = [m for rd in c.process_ready(1) for m in rd.messages if m.type == MT.MsgVoteResp]
    assert [m.reject for m in resp] == [True]


def test_figure_8_mutant_commits_by_counting_is_caught() -> None:
    """The Figure 8 scenario detects a leader that commits an older-term entry by counting
    replicas: S1 applies the term-2 entry that S5 later overwrites.
    Reference: section 5.4.2
    """
    from components.store.raft.harness.cluster import SafetyViolation

    with pytest.raises(SafetyViolation, match=r"leader completeness|state machine safety"):
        figure_8(frozenset({Mutant.COMMIT_OLDER_TERM_BY_COUNTING}))
