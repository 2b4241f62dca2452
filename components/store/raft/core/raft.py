"""The Raft state machine shared by every role: terms, elections, ticks and replication sends.

Role-specific message handling lives in ``_leader.py`` and ``_follower.py`` (followers and
candidates); this module routes each message by term first (section 5.1) and grants votes
(section 5.2, 5.4.1). Nothing here performs I/O: outgoing messages accumulate in ``msgs``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from . import _follower, _leader
from .config import Config
from .errors import LogCompacted, LogUnavailable, RaftError, StepError
from .log import RaftLog
from .messages import (
    CAMPAIGN_TRANSFER,
    NONE,
    ConfChange,
    ConfChangeType,
    Entry,
    EntryType,
    HardState,
    Message,
    MessageType,
    ReadState,
    Snapshot,
    SoftState,
    StateRole,
    vote_response_type,
)
from .mutants import Mutant
from .progress import ProgressState, ProgressTracker
from .read_only import ReadOnly
from .storage import Storage

MT = MessageType


class Raft:
    """One node's consensus state. Drive it through :class:`RawNode`, not directly."""

    def __init__(self, config: Config, storage: Storage, rng: random.Random) -> None:
        config.validate()
        self.config = config
        self.id = config.id
        self.rng = rng
        self.mutants = config.mutants
        self.log = RaftLog(storage, config.max_committed_size_per_ready)
        self.tracker = ProgressTracker(config.max_inflight_msgs, config.max_inflight_bytes)
        self.read_only = ReadOnly()
        self.msgs: list[Message] = []
        self.read_states: list[ReadState] = []
        self.pending_read_index_msgs: list[Message] = []
        self.election_timeout = config.election_tick
        self.heartbeat_timeout = config.heartbeat_tick
        self.term = 0
        self.vote = NONE
        self.lead = NONE
        self.role = StateRole.Follower
        self.lead_transferee = NONE
        self.pending_conf_index = 0
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self.randomized_election_timeout = self.election_timeout
        self._step: Callable[[Raft, Message], None] = _follower.step_follower

        hard, conf = storage.initial_state()
        self.tracker.set_voters(conf.voters, self.log.last_index() + 1)
        if hard != HardState():
            if not (self.log.first_index() - 1 <= hard.commit <= self.log.last_index()):
                raise RaftError(
                    f"persisted commit {hard.commit} is outside the stored log "
                    f"[{self.log.first_index() - 1}, {self.log.last_index()}]"
                )
            self.log.committed = hard.commit
            self.term, self.vote = hard.term, hard.vote
        self.become_follower(self.term, NONE)

    # -- observable state ---------------------------------------------------------------

    def hard_state(self) -> HardState:
        return HardState(self.term, self.vote, self.log.committed)

    def soft_state(self) -> SoftState:
        return SoftState(self.lead, self.role)

    def promotable(self) -> bool:
        """May this node become leader? Only voters of the current configuration may."""
        return self.id in self.tracker.progress

    # -- role transitions ----------------------------------------------------------------

    def reset(self, term: int) -> None:
        """Clear per-term volatile state when the term or the role changes."""
        if self.term != term:
            self.term = term
            self.vote = NONE
        self.lead = NONE
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self.reset_randomized_election_timeout()
        self.lead_transferee = NONE
        self.tracker.reset_votes()
        last = self.log.last_index()
        for node, pr in self.tracker.progress.items():
            pr.match = last if node == self.id else 0
            pr.next = last + 1
            pr.reset_state(ProgressState.Probe)
            pr.recent_active = node == self.id
        self.pending_conf_index = 0
        self.read_only.reset()
        self.pending_read_index_msgs = []

    def reset_randomized_election_timeout(self) -> None:
        """Draw the next election timeout from [T, 2T) (section 5.2)."""
        if Mutant.FIXED_ELECTION_TIMEOUT in self.mutants:
            self.randomized_election_timeout = self.election_timeout
            return
        t = self.election_timeout
        self.randomized_election_timeout = t + self.rng.randrange(t)

    def become_follower(self, term: int, lead: int) -> None:
        self._step = _follower.step_follower
        self.reset(term)
        self.lead = lead
        self.role = StateRole.Follower

    def become_pre_candidate(self) -> None:
        """Pre-vote phase: ask for votes at term+1 without changing our own term."""
        self._step = _follower.step_candidate
        self.tracker.reset_votes()
        self.lead = NONE
        self.role = StateRole.PreCandidate

    def become_candidate(self) -> None:
        self._step = _follower.step_candidate
        self.reset(self.term + 1)
        self.vote = self.id
        self.role = StateRole.Candidate

    def become_leader(self) -> None:
        """Take over: reset progress, then append an empty entry of our term (section 8)."""
        self._step = _leader.step_leader
        self.reset(self.term)
        self.lead = self.id
        self.role = StateRole.Leader
        own = self.tracker.progress.get(self.id)
        if own is not None:
            own.become_replicate()
            own.recent_active = True
        self.pending_conf_index = self.log.last_index()
        self.append_entries([Entry(term=0, index=0)])

    # -- ticks ----------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance logical time by one tick."""
        if self.role == StateRole.Leader:
            self._tick_heartbeat()
        else:
            self._tick_election()

    def _tick_election(self) -> None:
        self.election_elapsed += 1
        if self.promotable() and self.election_elapsed >= self.randomized_election_timeout:
            self.election_elapsed = 0
            self.step(Message(type=MT.MsgHup, to=self.id, from_=self.id))

    def _tick_heartbeat(self) -> None:
        self.heartbeat_elapsed += 1
        self.election_elapsed += 1
        for node, pr in self.tracker.progress.items():
            if node != self.id and pr.state == ProgressState.Snapshot:
                pr.snapshot_ticks += 1
                if pr.snapshot_ticks >= self.election_timeout:
                    pr.become_probe()  # the snapshot was probably lost: try again
        if self.election_elapsed >= self.election_timeout:
            self.election_elapsed = 0
            if self.config.check_quorum:
                self._check_quorum()
            if self.role == StateRole.Leader and self.lead_transferee != NONE:
                self.lead_transferee = NONE  # transfer did not finish in time
        if self.role != StateRole.Leader:
            return
        if self.heartbeat_elapsed >= self.heartbeat_timeout:
            self.heartbeat_elapsed = 0
            self.bcast_heartbeat()

    def _check_quorum(self) -> None:
        """Leader steps down if it has not heard from a majority in an election timeout."""
        active = self.tracker.quorum_active(self.id)
        for node, pr in self.tracker.progress.items():
            if node != self.id:
                pr.recent_active = False
        if not active:
            self.become_follower(self.term, NONE)

    # -- stepping ---------------------------------------------------------------------------

    def step(self, m: Message) -> None:
        """Handle one message: term checks first, then votes, then the role's handler."""
        if m.term == 0:
            pass  # local message or proposal
        elif m.term > self.term:
            if not self._accept_higher_term(m):
                return
        elif m.term < self.term:
            self._handle_lower_term(m)
            if not self._mutant_lets_stale_through(m):
                return
        kind = m.type
        if kind == MT.MsgHup:
            self.hup(transfer=m.context == CAMPAIGN_TRANSFER)
        elif kind in (MT.MsgVote, MT.MsgPreVote):
            self._handle_vote_request(m)
        else:
            self._step(self, m)

    def _accept_higher_term(self, m: Message) -> bool:
        """Section 5.1: a higher term makes us follow it; False means drop the message."""
        kind = m.type
        if kind in (MT.MsgVote, MT.MsgPreVote):
            force = m.context == CAMPAIGN_TRANSFER
            in_lease = (
                self.config.check_quorum
                and self.lead != NONE
                and self.election_elapsed < self.election_timeout
            )
            if in_lease and not force:
                return False  # we heard from a live leader recently: do not help depose it
        if kind == MT.MsgPreVote or (kind == MT.MsgPreVoteResp and not m.reject):
            return True  # pre-votes never change our term
        if kind in (MT.MsgApp, MT.MsgHeartbeat, MT.MsgSnap):
            self.become_follower(m.term, m.from_)
        else:
            self.become_follower(m.term, NONE)
        return True

    def _handle_lower_term(self, m: Message) -> None:
        """A stale sender: tell a stale leader or pre-candidate about our term."""
        cfg = self.config
        if (cfg.check_quorum or cfg.pre_vote) and m.type in (MT.MsgHeartbeat, MT.MsgApp):
            self.send(MT.MsgAppResp, m.from_)
        elif m.type == MT.MsgPreVote:
            self.send(MT.MsgPreVoteResp, m.from_, reject=True)

    def _mutant_lets_stale_through(self, m: Message) -> bool:
        if Mutant.ACCEPT_STALE_TERM_APPEND in self.mutants and m.type == MT.MsgApp:
            return True
        return Mutant.COUNT_STALE_VOTES in self.mutants and m.type in (
            MT.MsgVoteResp,
            MT.MsgPreVoteResp,
        )

    def _handle_vote_request(self, m: Message) -> None:
        """Grant at most one vote per term, only to an up-to-date log (5.2, 5.4.1)."""
        can_vote = (
            self.vote == m.from_
            or (self.vote == NONE and self.lead == NONE)
            or (m.type == MT.MsgPreVote and m.term > self.term)
        )
        up_to_date = Mutant.VOTE_WITHOUT_UP_TO_DATE_CHECK in self.mutants or (
            self.log.is_up_to_date(m.index, m.log_term)
        )
        resp = vote_response_type(m.type)
        if can_vote and up_to_date:
            self.msgs.append(Message(type=resp, to=m.from_, from_=self.id, term=m.term))
            if m.type == MT.MsgVote:
                self.election_elapsed = 0
                self.vote = m.from_
        else:
            self.send(resp, m.from_, reject=True)

    # -- elections ------------------------------------------------------------------------

    def hup(self, transfer: bool = False) -> None:
        """Start an election unless we lead, may not lead, or have unapplied conf changes."""
        if self.role == StateRole.Leader or not self.promotable():
            return
        if self._has_unapplied_conf_change():
            return
        if self.config.pre_vote and not transfer:
            self.campaign(pre_vote=True)
        else:
            self.campaign(pre_vote=False, transfer=transfer)

    def _has_unapplied_conf_change(self) -> bool:
        lo, hi = self.log.applied + 1, self.log.committed + 1
        if lo >= hi:
            return False
        try:
            ents = self.log.slice(lo, hi)
        except (LogCompacted, LogUnavailable):
            return False
        return any(e.type == EntryType.ConfChange for e in ents)

    def campaign(self, pre_vote: bool, transfer: bool = False) -> None:
        if pre_vote:
            self.become_pre_candidate()
            kind, term = MT.MsgPreVote, self.term + 1
        else:
            self.become_candidate()
            kind, term = MT.MsgVote, self.term
        if self.poll(self.id, True) == "won":
            # a single-voter cluster wins at once
            if pre_vote:
                self.campaign(pre_vote=False)
            else:
                self.become_leader()
            return
        last, last_term = self.log.last_index(), self.log.last_term()
        ctx = CAMPAIGN_TRANSFER if transfer else b""
        for node in self.tracker.voters:
            if node != self.id:
                self.msgs.append(Message(kind, node, self.id, term, last_term, last, context=ctx))

    def poll(self, node: int, granted: bool) -> str:
        self.tracker.record_vote(node, granted)
        return self.tracker.tally()[2]

    # -- sending ------------------------------------------------------------------------

    def send(self, kind: MessageType, to: int, **fields: object) -> None:
        """Queue a message stamped with our term and id."""
        self.msgs.append(Message(kind, to, self.id, self.term, **fields))  # type: ignore[arg-type]

    def bcast_append(self) -> None:
        for node in self.tracker.voters:
            if node != self.id:
                self.maybe_send_append(node, True)

    def bcast_heartbeat(self, ctx: bytes | None = None) -> None:
        if ctx is None:
            ctx = self.read_only.last_pending_ctx()
        for node in self.tracker.voters:
            if node != self.id:
                self.send_heartbeat(node, ctx)

    def send_heartbeat(self, to: int, ctx: bytes) -> None:
        # Never tell a follower to commit past what it is known to hold.
        commit = min(self.tracker.progress[to].match, self.log.committed)
        self.msgs.append(
            Message(MT.MsgHeartbeat, to, self.id, self.term, commit=commit, context=ctx)
        )

    def maybe_send_append(self, to: int, send_if_empty: bool) -> bool:
        """Send entries (or a snapshot) to ``to`` if flow control allows; True if sent."""
        pr = self.tracker.progress[to]
        if pr.is_paused():
            return False
        log = self.log
        prev = pr.next - 1
        try:
            prev_term = log.term(prev)
            ents = log.entries_from(pr.next, self.config.max_size_per_msg)
        except (LogCompacted, LogUnavailable):
            return self._send_snapshot(to)
        if not ents and not send_if_empty:
            return False
        self.msgs.append(
            Message(MT.MsgApp, to, self.id, self.term, prev_term, prev, tuple(ents), log.committed)
        )
        if ents:
            pr.sent_entries(len(ents), ents[-1].index, sum(e.size() for e in ents))
        else:
            pr.sent_entries(0, prev, 0)
        return True

    def _send_snapshot(self, to: int) -> bool:
        pr = self.tracker.progress[to]
        if not pr.recent_active:
            return False
        snap = self.log.snapshot()
        if snap.is_empty:
            raise RaftError("need a non-empty snapshot to catch up a lagging follower")
        self.msgs.append(Message(MT.MsgSnap, to, self.id, self.term, snapshot=snap))
        pr.become_snapshot(snap.metadata.index)
        return True

    # -- log ------------------------------------------------------------------------------

    def append_entries(self, entries: list[Entry]) -> None:
        """Leader: stamp ``entries`` with our term and the next indices, and append them."""
        last = self.log.last_index()
        term = self.term
        stamped = [Entry(term, last + i, e.type, e.data) for i, e in enumerate(entries, start=1)]
        last = self.log.append(stamped)
        self.tracker.progress[self.id].maybe_update(last)
        self.maybe_commit()

    def maybe_commit(self) -> bool:
        """Commit what a majority holds, but only by counting an entry of our term (5.4.2)."""
        any_term = Mutant.COMMIT_OLDER_TERM_BY_COUNTING in self.mutants
        return self.log.maybe_commit(self.tracker.committed(), self.term, any_term)

    def committed_entry_in_current_term(self) -> bool:
        return self.log.term_or_zero(self.log.committed) == self.term

    # -- configuration and snapshots ------------------------------------------------------

    def apply_conf_change(self, cc: ConfChange) -> None:
        """Apply a committed, now applied, one-server membership change (thesis 4.1)."""
        voters = set(self.tracker.voters)
        before = set(voters)
        if cc.type == ConfChangeType.AddNode:
            voters.add(cc.node_id)
        else:
            voters.discard(cc.node_id)
        self.tracker.set_voters(tuple(voters), self.log.last_index() + 1)
        if self.role != StateRole.Leader:
            return
        if self.id not in self.tracker.progress:
            self.become_follower(self.term, NONE)  # a removed leader steps down
            return
        if self.lead_transferee not in self.tracker.progress:
            self.lead_transferee = NONE
        if self.maybe_commit():
            self.bcast_append()
        else:
            for node in self.tracker.voters:
                if node != self.id:
                    # probe a newly added member at once rather than at the next heartbeat
                    self.maybe_send_append(node, node not in before)

    def restore(self, snapshot: Snapshot) -> bool:
        """Follower: install a leader's snapshot; False if it brings nothing new (section 7)."""
        md = snapshot.metadata
        if md.index <= self.log.committed:
            return False
        if self.role != StateRole.Follower:
            self.become_follower(self.term + 1, NONE)
            return False
        keep = Mutant.SNAPSHOT_DROPS_NEWER_ENTRIES not in self.mutants
        if keep and self.log.match_term(md.index, md.term):
            self.log.commit_to(md.index)  # we already hold it: keep the newer entries
            return False
        self.log.restore(snapshot)
        self.tracker.progress = {}
        self.tracker.set_voters(md.conf_state.voters, self.log.last_index() + 1)
        return True

    def report_snapshot(self, to: int, ok: bool) -> None:
        pr = self.tracker.progress.get(to)
        if self.role != StateRole.Leader or pr is None or pr.state != ProgressState.Snapshot:
            return
        if not ok:
            pr.pending_snapshot = 0
        pr.become_probe()
        pr.paused = True  # wait for the follower's answer before probing again

    def report_unreachable(self, to: int) -> None:
        pr = self.tracker.progress.get(to)
        if self.role == StateRole.Leader and pr is not None and pr.state == ProgressState.Replicate:
            pr.become_probe()

    def check_step_input(self, m: Message) -> None:
        if m.type in (MT.MsgHup, MT.MsgBeat):
            raise StepError(f"{m.type.name} is local; call campaign() or tick() instead")
