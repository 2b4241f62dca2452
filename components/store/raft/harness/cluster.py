"""An in-memory cluster of Raft cores: a driver, a network and safety checks.

``Cluster`` plays the driver for every node exactly as docs/store.md prescribes (persist
the Ready, then send, then apply, then advance) and records what every node applied, so
tests, labs and the search can check the paper's safety properties at every step. It
drives any node built by ``node_factory`` that keeps the contract of ``harness.contract``
(the reference ``RawNode`` by default, a student's node in the labs), and reads a node's
state only through ``status()`` and the storage the driver persisted.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable

import attrs

from components.store.raft.core import (
    NONE,
    Config,
    ConfState,
    Entry,
    EntryType,
    HardState,
    MemoryStorage,
    Message,
    Mutant,
    RawNode,
    Ready,
    StateRole,
)
from components.store.raft.core.errors import LogCompacted, LogUnavailable
from components.store.raft.harness.contract import NodeFactory, RaftNode


class SafetyViolation(AssertionError):  # noqa: N818 (a violation, not an error in the test)
    """A Raft safety property was broken."""


@attrs.define
class Peer:
    """One member: its persistent storage survives crashes, its RawNode does not."""

    id: int
    config: Config
    storage: MemoryStorage
    rng: random.Random
    node: RaftNode | None = None
    applied_index: int = 0
    state_hash: bytes = b""
    """Hash chain over every applied entry: equal hashes at an index mean equal histories."""
    applied_data: list[bytes] = attrs.Factory(list)
    """Non-empty normal entries applied since start or the last snapshot install."""
    read_states: list[tuple[int, bytes]] = attrs.Factory(list)

    @property
    def up(self) -> bool:
        return self.node is not None


def chain(prev: bytes, entry: Entry) -> bytes:
    """The next link of a state hash chain: equal chains mean equal applied histories."""
    return hashlib.blake2b(
        prev + b"%d/%d/%d/" % (entry.index, entry.term, entry.type) + entry.data, digest_size=12
    ).digest()


class Cluster:
    """Nodes plus an in-flight message list; every operation is deterministic given a seed."""

    def __init__(  # noqa: PLR0917 - the Config fields every node shares
        self,
        ids: Iterable[int],
        seed: int = 0,
        election_tick: int = 10,
        heartbeat_tick: int = 1,
        pre_vote: bool = True,
        check_quorum: bool = True,
        max_size_per_msg: int = 1 << 20,
        max_inflight_msgs: int = 256,
        mutants: frozenset[Mutant] = frozenset(),
        node_factory: NodeFactory = RawNode,
    ) -> None:
        self.seed = seed
        self.node_factory = node_factory
        self.config_fields = {
            "election_tick": election_tick,
            "heartbeat_tick": heartbeat_tick,
            "pre_vote": pre_vote,
            "check_quorum": check_quorum,
            "max_size_per_msg": max_size_per_msg,
            "max_inflight_msgs": max_inflight_msgs,
            "mutants": mutants,
        }
        self.peers: dict[int, Peer] = {}
        self.in_flight: list[Message] = []
        self.cut: set[tuple[int, int]] = set()
        """Directed links (from, to) that drop every message."""
        self.leaders: dict[int, int] = {}
        """term -> the node that became leader in it (election safety)."""
        self.committed: dict[int, tuple[int, bytes]] = {}
        """index -> (term, state hash) of the entry applied there, by whoever applied first."""
        self.max_applied = 0
        self.read_floor: dict[tuple[int, bytes], int] = {}
        """Read requests: the highest index applied anywhere when each was issued."""
        self.listeners: list[Callable[[int, Ready], None]] = []
        self.votes_persisted: set[tuple[int, int, int]] = set()
        """(voter, term, candidate) for every vote any node has made durable."""
        ids = sorted(ids)
        for i in ids:
            self.add_peer(i, MemoryStorage.bootstrap(ids))

    # -- membership of the test network ---------------------------------------------------

    def add_peer(self, node_id: int, storage: MemoryStorage | None = None) -> Peer:
        """Start a node; a fresh empty storage means it joins an existing cluster."""
        storage = storage if storage is not None else MemoryStorage()
        config = Config(id=node_id, **self.config_fields)  # type: ignore[arg-type]
        peer = Peer(node_id, config, storage, random.Random(self.seed * 1000 + node_id))
        self.peers[node_id] = peer
        self.restart(node_id)
        return peer

    def crash(self, node_id: int) -> None:
        """Lose all volatile state of ``node_id``; messages to it are lost while it is down."""
        peer = self.peers[node_id]
        peer.node = None
        self.in_flight = [m for m in self.in_flight if m.to != node_id]

    def restart(self, node_id: int) -> None:
        """Bring ``node_id`` back from its persisted storage only."""
        peer = self.peers[node_id]
        peer.node = self.node_factory(peer.config, peer.storage, peer.rng)
        snap = peer.storage.snapshot()
        self._restore_state(peer, snap.metadata.index, snap.data)

    def _restore_state(self, peer: Peer, index: int, data: bytes) -> None:
        peer.applied_index = index
        peer.state_hash = data
        peer.applied_data = []

    @property
    def election_tick(self) -> int:
        """The base election timeout T every node was configured with (in ticks)."""
        return int(self.config_fields["election_tick"])  # type: ignore[call-overload]

    @property
    def heartbeat_tick(self) -> int:
        """Ticks between a leader's heartbeats."""
        return int(self.config_fields["heartbeat_tick"])  # type: ignore[call-overload]

    def node(self, node_id: int) -> RaftNode:
        node = self.peers[node_id].node
        assert node is not None, f"node {node_id} is down"
        return node

    def up_ids(self) -> list[int]:
        return [i for i, p in self.peers.items() if p.up]

    # -- driver ---------------------------------------------------------------------------

    def process_ready(self, node_id: int) -> list[Ready]:
        """Drain ``node_id``'s Readys: persist, send, apply, advance. Returns them."""
        peer = self.peers[node_id]
        node = peer.node
        if node is None:
            return []
        handled = []
        while (rd := node.ready()) is not None:
            handled.append(rd)
            self._handle(peer, node, rd)
        return handled

    def _handle(self, peer: Peer, node: RaftNode, rd: Ready) -> None:
        storage = peer.storage
        if rd.snapshot is not None:
            storage.apply_snapshot(rd.snapshot)
            self._restore_state(peer, rd.snapshot.metadata.index, rd.snapshot.data)
        if rd.entries:
            storage.append(rd.entries)
        if rd.hard_state is not None:
            self._check_hard_state(peer, storage.hard_state, rd.hard_state)
            storage.set_hard_state(rd.hard_state)
        for m in rd.messages:
            if (m.from_, m.to) not in self.cut:
                self.in_flight.append(m)
        for e in rd.committed_entries:
            self._apply(peer, e)
        for rs in rd.read_states:
            self._check_read(peer, rs.index, rs.request_ctx)
        if rd.soft_state is not None and rd.soft_state.role == StateRole.Leader:
            self._check_new_leader(peer, node)
        for listener in self.listeners:
            listener(peer.id, rd)
        node.advance(rd)

    def _apply(self, peer: Peer, e: Entry) -> None:
        if e.index != peer.applied_index + 1:
            raise SafetyViolation(
                f"node {peer.id} applied index {e.index} after {peer.applied_index}"
            )
        peer.state_hash = chain(peer.state_hash, e)
        peer.applied_index = e.index
        if e.type == EntryType.Normal and e.data:
            peer.applied_data.append(e.data)
        seen = self.committed.get(e.index)
        if seen is None:
            self.committed[e.index] = (e.term, peer.state_hash)
            self.max_applied = max(self.max_applied, e.index)
        elif seen[1] != peer.state_hash:
            raise SafetyViolation(
                f"state machine safety: node {peer.id} applied term {e.term} at index "
                f"{e.index}, another node applied term {seen[0]} there (or a different prefix)"
            )

    def _check_hard_state(self, peer: Peer, old: HardState, new: HardState) -> None:
        """Figure 2: currentTerm never decreases and votedFor changes only with the term."""
        if new.term < old.term:
            raise SafetyViolation(
                f"term went backwards: node {peer.id} persisted term {new.term} after {old.term}"
            )
        if new.term == old.term and old.vote not in (NONE, new.vote):
            raise SafetyViolation(
                f"double vote: node {peer.id} voted {old.vote}, then {new.vote} in term {new.term}"
            )
        if new.vote != NONE:
            self.votes_persisted.add((peer.id, new.term, new.vote))

    def _check_new_leader(self, peer: Peer, node: RaftNode) -> None:
        st = node.status()
        term = st.hard_state.term
        other = self.leaders.setdefault(term, peer.id)
        if other != peer.id:
            raise SafetyViolation(f"election safety: nodes {other} and {peer.id} lead term {term}")
        voters = st.voters
        durable = [v for v in voters if (v, term, peer.id) in self.votes_persisted]
        if len(durable) < len(voters) // 2 + 1:
            raise SafetyViolation(
                f"election safety: node {peer.id} leads term {term} but only {durable} of "
                f"voters {list(voters)} have a durable vote for it there"
            )
        for index in range(max(peer.storage.first_index(), 1), self.max_applied + 1):
            known = self.committed.get(index)
            # entries of later terms were committed after this (late) leader's election
            if known is None or known[0] > term:
                continue
            if self.stored_term(peer.id, index) != known[0]:
                raise SafetyViolation(
                    f"leader completeness: leader {peer.id} of term {term} lacks committed "
                    f"entry {index} of term {known[0]}"
                )

    def stored_term(self, node_id: int, index: int) -> int:
        """Term of the entry ``node_id`` persisted at ``index`` (0: none or compacted)."""
        try:
            return self.peers[node_id].storage.term(index)
        except (LogCompacted, LogUnavailable):
            return 0

    def stored_log(self, node_id: int) -> list[Entry]:
        """The entries ``node_id`` persisted after its snapshot, in index order."""
        storage = self.peers[node_id].storage
        return storage.entries(storage.first_index(), storage.last_index() + 1)

    def _check_read(self, peer: Peer, index: int, ctx: bytes) -> None:
        floor = self.read_floor.pop((peer.id, ctx), None)
        peer.read_states.append((index, ctx))
        if floor is not None and index < floor:
            raise SafetyViolation(
                f"stale read: node {peer.id} got read index {index} for {ctx!r}, but index "
                f"{floor} was already applied when the read was issued"
            )

    # -- inputs ---------------------------------------------------------------------------

    def read_index(self, node_id: int, ctx: bytes) -> None:
        self.read_floor[(node_id, ctx)] = self.max_applied
        self.node(node_id).read_index(ctx)

    def snapshot_and_compact(self, node_id: int) -> int:
        """The application snapshots at its applied index and compacts the log there."""
        peer = self.peers[node_id]
        node = self.node(node_id)
        index = peer.applied_index
        if index <= peer.storage.first_index() - 1:
            return 0
        peer.storage.create_snapshot(index, node.conf_state, peer.state_hash)
        peer.storage.compact(index)
        return index

    def deliver(self, msg: Message) -> None:
        peer = self.peers.get(msg.to)
        if peer is None or peer.node is None:
            return
        peer.node.step(msg)

    def deliver_all(self, to: Iterable[int] | None = None) -> list[Message]:
        """Deliver every in-flight message (to ``to`` only, if given), in order."""
        targets = None if to is None else set(to)
        taken = [m for m in self.in_flight if targets is None or m.to in targets]
        self.in_flight = [m for m in self.in_flight if targets is not None and m.to not in targets]
        for m in taken:
            self.deliver(m)
        return taken

    def stabilize(self, max_rounds: int = 1000) -> None:
        """Process Readys and deliver messages until nothing moves."""
        for _ in range(max_rounds):
            for i in self.up_ids():
                self.process_ready(i)
            if not self.in_flight:
                return
            self.deliver_all()
        raise AssertionError("cluster did not stabilize")

    def isolate(self, node_id: int) -> None:
        for other in self.peers:
            if other != node_id:
                self.cut.add((node_id, other))
                self.cut.add((other, node_id))

    def heal_link(self, a: int, b: int) -> None:
        self.cut.discard((a, b))
        self.cut.discard((b, a))

    def heal(self) -> None:
        self.cut.clear()

    def tick(self, node_id: int, n: int = 1) -> None:
        for _ in range(n):
            self.node(node_id).tick()

    def leader(self) -> int:
        """The node that believes it leads in the highest term, or NONE."""
        best, best_term = NONE, -1
        for i in self.up_ids():
            st = self.node(i).status()
            if st.soft_state.role == StateRole.Leader and st.hard_state.term > best_term:
                best, best_term = i, st.hard_state.term
        return best

    def role(self, node_id: int) -> StateRole:
        """The role ``node_id`` reports in its status."""
        return self.node(node_id).status().soft_state.role

    def term(self, node_id: int) -> int:
        """The current term ``node_id`` reports in its status."""
        return self.node(node_id).status().hard_state.term

    def commit_index(self, node_id: int) -> int:
        """The commit index ``node_id`` reports in its status."""
        return self.node(node_id).status().hard_state.commit

    def elect(self, node_id: int) -> None:
        """Campaign ``node_id`` and run the cluster to quiescence."""
        self.node(node_id).campaign()
        self.stabilize()
        assert self.role(node_id) == StateRole.Leader, f"{node_id} was not elected"

    def conf_state(self, node_id: int) -> ConfState:
        return self.node(node_id).conf_state
