"""How a leader handles messages: proposals, replication acks, reads and transfers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ProposalDropped
from .messages import NONE, EntryType, Message, MessageType, ReadState
from .mutants import Mutant
from .progress import ProgressState

if TYPE_CHECKING:
    from .raft import Raft

MT = MessageType


def step_leader(r: Raft, m: Message) -> None:
    """Dispatch a message received (or proposed locally) while leader."""
    kind = m.type
    if kind == MT.MsgProp:
        _propose(r, m)
    elif kind == MT.MsgReadIndex:
        _read_index(r, m)
    elif kind == MT.MsgBeat:
        r.bcast_heartbeat()
    elif kind == MT.MsgAppResp:
        _append_response(r, m)
    elif kind == MT.MsgHeartbeatResp:
        _heartbeat_response(r, m)
    elif kind == MT.MsgTransferLeader:
        _transfer_leader(r, m)
    # Anything else (stale votes, our own term's MsgApp from nobody) is ignored.


def _propose(r: Raft, m: Message) -> None:
    if not m.entries:
        raise ProposalDropped("a proposal needs at least one entry")
    if r.id not in r.tracker.progress:
        raise ProposalDropped("this leader was removed from the configuration")
    if r.lead_transferee != NONE:
        raise ProposalDropped(f"leadership is being transferred to {r.lead_transferee}")
    entries = list(m.entries)
    for i, e in enumerate(entries):
        if e.type == EntryType.ConfChange:
            if r.pending_conf_index > r.log.applied:
                raise ProposalDropped(
                    "a configuration change is already pending; retry once it is applied"
                )
            r.pending_conf_index = r.log.last_index() + i + 1
    r.append_entries(entries)
    r.bcast_append()


def _append_response(r: Raft, m: Message) -> None:
    pr = r.tracker.progress.get(m.from_)
    if pr is None:
        return
    pr.recent_active = True
    if m.reject:
        hint = m.reject_hint
        if m.log_term > 0:
            # Skip every entry of ours whose term exceeds the follower's term at its hint.
            hint = r.log.find_conflict_by_term(m.reject_hint, m.log_term)[0]
        if pr.maybe_decr_to(m.index, hint):
            if pr.state == ProgressState.Replicate:
                pr.become_probe()
            r.maybe_send_append(m.from_, True)
        return
    was_paused = pr.is_paused()
    if not pr.maybe_update(m.index):
        return
    if pr.state == ProgressState.Probe:
        pr.become_replicate()
    elif pr.state == ProgressState.Snapshot and pr.match + 1 >= r.log.first_index():
        pr.become_probe()
        pr.become_replicate()
    elif pr.state == ProgressState.Replicate:
        pr.inflights.free_le(m.index)
    if r.maybe_commit():
        _release_pending_reads(r)
        r.bcast_append()
    elif was_paused:
        r.maybe_send_append(m.from_, True)
    while r.maybe_send_append(m.from_, False):
        pass
    if m.from_ == r.lead_transferee and pr.match == r.log.last_index():
        r.send(MT.MsgTimeoutNow, m.from_)


def _heartbeat_response(r: Raft, m: Message) -> None:
    pr = r.tracker.progress.get(m.from_)
    if pr is None:
        return
    pr.recent_active = True
    pr.paused = False
    if pr.state == ProgressState.Replicate and pr.inflights.full():
        # The window may be full of lost messages: free a slot so replication resumes
        # (a gap is then rejected and the follower is probed again).
        pr.inflights.free_first_one()
    if pr.match < r.log.last_index() or pr.state == ProgressState.Probe:
        r.maybe_send_append(m.from_, True)
    if not m.context:
        return
    acks = r.read_only.recv_ack(m.from_, m.context)
    if acks is None or sum(1 for v in r.tracker.voters if v in acks) < r.tracker.quorum():
        return
    for status in r.read_only.advance(m.context):
        _respond_to_read(r, status.request, status.index)


def _read_index(r: Raft, m: Message) -> None:
    """Linearizable read (thesis 6.4): confirm leadership with a heartbeat round."""
    if len(r.tracker.voters) == 1 and r.id in r.tracker.progress:
        _respond_to_read(r, m, r.log.committed)
    elif not r.committed_entry_in_current_term():
        # Our commit index may lag the previous leader's until our no-op commits.
        r.pending_read_index_msgs.append(m)
    else:
        _start_read(r, m)


def _start_read(r: Raft, m: Message) -> None:
    if Mutant.READ_WITHOUT_READ_INDEX in r.mutants:
        _respond_to_read(r, m, r.log.committed)  # BUG: a deposed leader answers stale
        return
    r.read_only.add_request(r.log.committed, m)
    r.read_only.recv_ack(r.id, m.context)
    r.bcast_heartbeat(m.context)


def _release_pending_reads(r: Raft) -> None:
    if not r.pending_read_index_msgs or not r.committed_entry_in_current_term():
        return
    pending, r.pending_read_index_msgs = r.pending_read_index_msgs, []
    for m in pending:
        _start_read(r, m)


def _respond_to_read(r: Raft, m: Message, index: int) -> None:
    if m.from_ in (NONE, r.id):
        r.read_states.append(ReadState(index, m.context))
    else:
        r.send(MT.MsgReadIndexResp, m.from_, index=index, context=m.context)


def _transfer_leader(r: Raft, m: Message) -> None:
    """Hand leadership to ``m.from_`` once its log is current (thesis 3.10)."""
    target = m.from_
    if target not in r.tracker.progress or target == r.id:
        return
    if r.lead_transferee == target:
        return
    r.election_elapsed = 0  # the transfer must finish within an election timeout
    r.lead_transferee = target
    if r.tracker.progress[target].match == r.log.last_index():
        r.send(MT.MsgTimeoutNow, target)
    else:
        r.maybe_send_append(target, True)
