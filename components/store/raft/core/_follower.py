"""How followers and (pre-)candidates handle messages: AppendEntries, snapshots, votes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ProposalDropped
from .messages import NONE, Message, MessageType, ReadState, StateRole
from .mutants import Mutant

if TYPE_CHECKING:
    from .raft import Raft

MT = MessageType


def step_follower(r: Raft, m: Message) -> None:
    """Dispatch a message received while follower."""
    kind = m.type
    if kind in (MT.MsgApp, MT.MsgHeartbeat, MT.MsgSnap):
        if Mutant.NO_TIMER_RESET_ON_APPEND not in r.mutants or kind == MT.MsgSnap:
            r.election_elapsed = 0
        r.lead = m.from_
        if kind == MT.MsgApp:
            handle_append_entries(r, m)
        elif kind == MT.MsgHeartbeat:
            handle_heartbeat(r, m)
        else:
            handle_snapshot(r, m)
    elif kind == MT.MsgProp:
        if r.lead == NONE:
            raise ProposalDropped("no leader is known; retry after an election")
        if r.config.disable_proposal_forwarding:
            raise ProposalDropped(f"not the leader (leader is {r.lead}); forwarding is off")
        r.msgs.append(Message(MT.MsgProp, r.lead, r.id, entries=m.entries))
    elif kind in (MT.MsgTransferLeader, MT.MsgReadIndex):
        if r.lead != NONE:
            r.msgs.append(Message(kind, r.lead, m.from_, context=m.context))
    elif kind == MT.MsgReadIndexResp:
        r.read_states.append(ReadState(m.index, m.context))
    elif kind == MT.MsgTimeoutNow:
        r.hup(transfer=True)


def step_candidate(r: Raft, m: Message) -> None:
    """Dispatch a message received while (pre-)candidate."""
    kind = m.type
    my_resp = MT.MsgPreVoteResp if r.role == StateRole.PreCandidate else MT.MsgVoteResp
    if kind == MT.MsgProp:
        raise ProposalDropped("an election is in progress; retry once a leader is known")
    if kind in (MT.MsgApp, MT.MsgHeartbeat, MT.MsgSnap):
        # A leader of our term exists (section 5.2): follow it.
        r.become_follower(m.term, m.from_)
        step_follower(r, m)
    elif kind == my_resp:
        result = r.poll(m.from_, not m.reject)
        if result == "won":
            if r.role == StateRole.PreCandidate:
                r.campaign(pre_vote=False)
            else:
                r.become_leader()
                r.bcast_append()
        elif result == "lost":
            r.become_follower(r.term, NONE)


def handle_append_entries(r: Raft, m: Message) -> None:
    """AppendEntries receiver (Figure 2): consistency check, truncate, append, commit."""
    log = r.log
    if m.index < log.committed:
        r.send(MT.MsgAppResp, m.from_, index=log.committed)
        return
    keep = Mutant.KEEP_CONFLICTING_SUFFIX in r.mutants
    last = log.maybe_append(m.index, m.log_term, m.commit, m.entries, keep_conflicts=keep)
    if last is not None:
        r.send(MT.MsgAppResp, m.from_, index=last)
        return
    # Mismatch: hint the leader where our logs may match so it can skip a whole term.
    hint_index = min(m.index, log.last_index())
    hint_index, hint_term = log.find_conflict_by_term(hint_index, m.log_term)
    r.send(
        MT.MsgAppResp,
        m.from_,
        index=m.index,
        reject=True,
        reject_hint=hint_index,
        log_term=hint_term,
    )


def handle_heartbeat(r: Raft, m: Message) -> None:
    r.log.commit_to(m.commit)
    r.send(MT.MsgHeartbeatResp, m.from_, context=m.context)


def handle_snapshot(r: Raft, m: Message) -> None:
    """InstallSnapshot receiver (section 7); acknowledge with our new last index."""
    assert m.snapshot is not None
    if r.restore(m.snapshot):
        r.send(MT.MsgAppResp, m.from_, index=r.log.last_index())
    else:
        r.send(MT.MsgAppResp, m.from_, index=r.log.committed)
