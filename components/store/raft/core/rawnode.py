"""The public face of the Raft core: inputs in, a :class:`Ready` batch out.

A driver loops::

    node.tick()            # every tick of its clock
    node.step(message)     # for every message received from a peer
    node.propose(data)     # for client writes
    while (rd := node.ready()) is not None:
        if rd.snapshot: storage.apply_snapshot(rd.snapshot); state_machine.restore(...)
        storage.append(rd.entries)                 # persist ...
        if rd.hard_state: storage.set_hard_state(rd.hard_state)   # ... and sync
        send(rd.messages)                          # only after persisting
        apply(rd.committed_entries); serve(rd.read_states)
        node.advance(rd)
"""

from __future__ import annotations

import random

import attrs

from .config import Config
from .errors import ProposalDropped, RaftError, StepError
from .messages import (
    NONE,
    ConfChange,
    ConfState,
    Entry,
    EntryType,
    HardState,
    Message,
    MessageType,
    ReadState,
    Snapshot,
    SoftState,
    StateRole,
)
from .mutants import Mutant
from .progress import ProgressState
from .raft import Raft
from .storage import Storage

MT = MessageType


@attrs.frozen(slots=True)
class Ready:
    """One batch of work for the driver, to carry out in field order, then ``advance()``."""

    soft_state: SoftState | None
    """New leader/role, if changed since the previous Ready (volatile: do not persist)."""
    hard_state: HardState | None
    """New term/vote/commit to persist, if changed. Persist before sending ``messages``."""
    snapshot: Snapshot | None
    """A snapshot from the leader to install in storage and the state machine, if any."""
    entries: tuple[Entry, ...]
    """Entries to append to stable storage before sending ``messages``."""
    committed_entries: tuple[Entry, ...]
    """Entries known committed, to apply to the state machine in order."""
    messages: tuple[Message, ...]
    """Messages to send after ``entries`` and ``hard_state`` are durable."""
    read_states: tuple[ReadState, ...]
    """Reads that may be served once ``index`` has been applied."""
    must_sync: bool
    """Whether the writes above must be fsynced before sending (new entries, term or vote)."""


@attrs.frozen(slots=True)
class ProgressStatus:
    """A read-only view of the leader's tracking of one follower."""

    match: int
    next: int
    state: ProgressState
    recent_active: bool


@attrs.frozen(slots=True)
class Status:
    """Snapshot of a node's state for tests, dashboards and debugging."""

    id: int
    hard_state: HardState
    soft_state: SoftState
    applied: int
    last_index: int
    voters: tuple[int, ...]
    lead_transferee: int
    progress: dict[int, ProgressStatus]


class RawNode:
    """A Raft node without I/O: feed it ticks, messages and proposals, drain Readys."""

    def __init__(self, config: Config, storage: Storage, rng: random.Random) -> None:
        """Start (or restart, from whatever ``storage`` holds) the node ``config.id``.

        ``rng`` is the only source of randomness (election timeouts): seed it to replay.
        """
        self.raft = Raft(config, storage, rng)
        self._prev_hard = self.raft.hard_state()
        self._prev_soft = self.raft.soft_state()
        self._outstanding: Ready | None = None

    # -- inputs -------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance logical time by one tick (elections and heartbeats count ticks)."""
        self.raft.tick()

    def campaign(self) -> None:
        """Start an election now (with a pre-vote round when configured)."""
        self.raft.step(Message(MT.MsgHup, self.raft.id, self.raft.id))

    def propose(self, data: bytes) -> None:
        """Propose ``data`` for the log; raises :class:`ProposalDropped` if it surely failed.

        Success only means the proposal was appended or forwarded: watch committed
        entries for it (the outcome is unknown until then).
        """
        self._propose(Entry(0, 0, EntryType.Normal, data))

    def propose_conf_change(self, change: ConfChange) -> None:
        """Propose adding or removing one voter; it takes effect when applied."""
        self._propose(Entry(0, 0, EntryType.ConfChange, change.encode()))

    def _propose(self, entry: Entry) -> None:
        r = self.raft
        r.step(Message(MT.MsgProp, r.id, r.id, entries=(entry,)))

    def read_index(self, context: bytes) -> None:
        """Request a linearizable read; a ``ReadState`` with ``context`` comes back in a Ready.

        ``context`` must be unique among pending reads. No answer comes if leadership is
        lost meanwhile: retry after a timeout. Raises ProposalDropped with no leader.
        """
        r = self.raft
        if r.role != StateRole.Leader and r.lead == NONE:
            raise ProposalDropped("no leader is known to serve the read; retry later")
        r.step(Message(MT.MsgReadIndex, r.id, r.id, context=context))

    def transfer_leadership(self, to: int) -> None:
        """Ask the leader to hand leadership to ``to`` (no-op if it is not a voter)."""
        r = self.raft
        r.step(Message(MT.MsgTransferLeader, r.id, to))

    def step(self, message: Message) -> None:
        """Handle a message from a peer. Proposals that fail here are silently dropped."""
        if message.type in (MT.MsgHup, MT.MsgBeat):
            raise StepError(f"{message.type.name} is local; call campaign() or tick() instead")
        if message.from_ not in self.raft.tracker.progress and message.type in (
            MT.MsgAppResp,
            MT.MsgHeartbeatResp,
        ):
            return  # response from a node no longer in the configuration
        try:
            self.raft.step(message)
        except ProposalDropped:
            if message.type not in (MT.MsgProp, MT.MsgReadIndex, MT.MsgTransferLeader):
                raise

    def report_unreachable(self, to: int) -> None:
        """The driver failed to send to ``to``: stop streaming and probe it again."""
        self.raft.report_unreachable(to)

    def report_snapshot(self, to: int, ok: bool) -> None:
        """The driver finished (``ok``) or failed sending a snapshot to ``to``."""
        self.raft.report_snapshot(to, ok)

    # -- outputs ------------------------------------------------------------------------

    def has_ready(self) -> bool:
        """Whether there is anything for the driver to do."""
        r = self.raft
        log = r.log
        return bool(
            r.msgs
            or r.read_states
            or log.unstable
            or log.pending_snapshot is not None
            or self._has_committed()
            or r.hard_state() != self._prev_hard
            or r.soft_state() != self._prev_soft
        )

    def _has_committed(self) -> bool:
        log = self.raft.log
        if Mutant.APPLY_BEFORE_COMMIT in self.raft.mutants:
            return log.has_next_committed(log.last_index())
        return log.has_next_committed()

    def ready(self) -> Ready | None:
        """The next batch of work, or None. Call ``advance(ready)`` before the next one."""
        if self._outstanding is not None:
            raise RaftError("advance() the previous Ready before asking for a new one")
        if not self.has_ready():
            return None
        r = self.raft
        log = r.log
        hard = r.hard_state()
        soft = r.soft_state()
        persisted_hard = hard
        if Mutant.VOTE_NOT_PERSISTED in r.mutants:
            persisted_hard = attrs.evolve(hard, vote=NONE)  # BUG: a restart forgets the vote
        entries = tuple(log.unstable)
        new_hard = hard != self._prev_hard
        if Mutant.APPLY_BEFORE_COMMIT in r.mutants:
            committed = tuple(log.next_committed(log.last_index()))
        else:
            committed = tuple(log.next_committed())
        rd = Ready(
            soft_state=soft if soft != self._prev_soft else None,
            hard_state=persisted_hard if new_hard else None,
            snapshot=log.pending_snapshot,
            entries=entries,
            committed_entries=committed,
            messages=tuple(r.msgs),
            read_states=tuple(r.read_states),
            must_sync=bool(entries)
            or (
                new_hard and (hard.term, hard.vote) != (self._prev_hard.term, self._prev_hard.vote)
            ),
        )
        r.msgs = []
        r.read_states = []
        self._prev_soft = soft
        self._prev_hard = hard
        self._outstanding = rd
        return rd

    def advance(self, rd: Ready) -> None:
        """The driver has persisted, sent and applied everything in ``rd``."""
        if rd is not self._outstanding:
            raise RaftError("advance() must be given the Ready returned by the last ready()")
        self._outstanding = None
        r = self.raft
        log = r.log
        if rd.snapshot is not None:
            log.stable_snap_to(rd.snapshot.metadata.index)
            log.applied = max(log.applied, rd.snapshot.metadata.index)
        if rd.entries:
            last = rd.entries[-1]
            log.stable_to(last.index, last.term)
        if rd.committed_entries:
            for e in rd.committed_entries:
                if e.type == EntryType.ConfChange:
                    r.apply_conf_change(ConfChange.decode(e.data))
            index = rd.committed_entries[-1].index
            if Mutant.APPLY_BEFORE_COMMIT in r.mutants:
                log.applied = max(log.applied, index)
            else:
                log.applied_to(index)

    # -- observation --------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.raft.id

    @property
    def conf_state(self) -> ConfState:
        """The configuration as of the last applied entry (store it in snapshots)."""
        return ConfState(self.raft.tracker.voters)

    def status(self) -> Status:
        """A consistent read-only view of this node's state."""
        r = self.raft
        progress = {}
        if r.role == StateRole.Leader:
            progress = {
                node: ProgressStatus(pr.match, pr.next, pr.state, pr.recent_active)
                for node, pr in r.tracker.progress.items()
            }
        return Status(
            id=r.id,
            hard_state=r.hard_state(),
            soft_state=r.soft_state(),
            applied=r.log.applied,
            last_index=r.log.last_index(),
            voters=r.tracker.voters,
            lead_transferee=r.lead_transferee,
            progress=progress,
        )
