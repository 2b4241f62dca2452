"""The leader's view of each follower (match/next, flow control) and vote/commit quorums."""

from __future__ import annotations

import enum
from collections import deque

import attrs


class ProgressState(enum.IntEnum):
    """How the leader currently replicates to a follower (etcd's tracker states)."""

    Probe = 0
    """Next is a guess: send one MsgApp per heartbeat interval until it is acknowledged."""
    Replicate = 1
    """Next is known: stream MsgApps optimistically, bounded by the inflight window."""
    Snapshot = 2
    """A snapshot is on its way; send nothing else until it is acknowledged or times out."""


class Inflights:
    """Sliding window of unacknowledged MsgApps to one follower (by count and bytes)."""

    __slots__ = ("_queue", "bytes", "max_bytes", "max_count")

    def __init__(self, max_count: int, max_bytes: int = 0) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._queue: deque[tuple[int, int]] = deque()
        self.bytes = 0

    def add(self, last_index: int, size: int) -> None:
        self._queue.append((last_index, size))
        self.bytes += size

    def free_le(self, index: int) -> None:
        """Forget every message whose last index is <= ``index`` (acknowledged)."""
        q = self._queue
        while q and q[0][0] <= index:
            self.bytes -= q.popleft()[1]

    def free_first_one(self) -> None:
        """Drop the oldest message: lets a stalled window probe again after a loss."""
        if self._queue:
            self.bytes -= self._queue.popleft()[1]

    def full(self) -> bool:
        return len(self._queue) >= self.max_count or (
            self.max_bytes > 0 and self.bytes >= self.max_bytes
        )

    def count(self) -> int:
        return len(self._queue)

    def reset(self) -> None:
        self._queue.clear()
        self.bytes = 0


@attrs.define(slots=True)
class Progress:
    """Replication state of one peer as tracked by the leader (Figure 2 nextIndex/matchIndex)."""

    match: int
    next: int
    inflights: Inflights
    state: ProgressState = ProgressState.Probe
    paused: bool = False
    """Probe state: one MsgApp was sent this heartbeat interval; wait for an answer."""
    pending_snapshot: int = 0
    snapshot_ticks: int = 0
    """Ticks spent in Snapshot state; after an election timeout the snapshot is re-sent."""
    recent_active: bool = False
    """Heard from since the last check-quorum round."""

    def reset_state(self, state: ProgressState) -> None:
        self.paused = False
        self.pending_snapshot = 0
        self.snapshot_ticks = 0
        self.state = state
        self.inflights.reset()

    def become_probe(self) -> None:
        if self.state == ProgressState.Snapshot:
            pending = self.pending_snapshot
            self.reset_state(ProgressState.Probe)
            self.next = max(self.match + 1, pending + 1)
        else:
            self.reset_state(ProgressState.Probe)
            self.next = self.match + 1

    def become_replicate(self) -> None:
        self.reset_state(ProgressState.Replicate)
        self.next = self.match + 1

    def become_snapshot(self, snapshot_index: int) -> None:
        self.reset_state(ProgressState.Snapshot)
        self.pending_snapshot = snapshot_index

    def maybe_update(self, index: int) -> bool:
        """Acknowledgement up to ``index``; True if it moved ``match`` forward."""
        updated = False
        if self.match < index:
            self.match = index
            updated = True
            self.paused = False
        self.next = max(self.next, index + 1)
        return updated

    def maybe_decr_to(self, rejected: int, match_hint: int) -> bool:
        """A MsgApp at ``rejected`` was refused; back ``next`` off. False if stale."""
        if self.state == ProgressState.Replicate:
            if rejected <= self.match:
                return False
            self.next = self.match + 1
            return True
        if self.next - 1 != rejected:
            return False
        self.next = max(min(rejected, match_hint + 1), self.match + 1)
        self.paused = False
        return True

    def is_paused(self) -> bool:
        if self.state == ProgressState.Probe:
            return self.paused
        if self.state == ProgressState.Replicate:
            return self.inflights.full()
        return True

    def sent_entries(self, count: int, last_index: int, size: int) -> None:
        """Book-keeping after sending a MsgApp with ``count`` entries ending at ``last_index``."""
        if self.state == ProgressState.Replicate:
            if count:
                self.next = last_index + 1
                self.inflights.add(last_index, size)
        elif self.state == ProgressState.Probe:
            self.paused = True


class ProgressTracker:
    """Voters, their progress and the votes of the current election."""

    def __init__(self, max_inflight: int, max_inflight_bytes: int) -> None:
        self.max_inflight = max_inflight
        self.max_inflight_bytes = max_inflight_bytes
        self.voters: tuple[int, ...] = ()
        """Sorted voter ids: iterate in this order for determinism."""
        self.progress: dict[int, Progress] = {}
        self.votes: dict[int, bool] = {}

    def quorum(self) -> int:
        return len(self.voters) // 2 + 1

    def set_voters(self, voters: tuple[int, ...], next_index: int) -> None:
        """Install a configuration, keeping the progress of members that stay."""
        self.voters = tuple(sorted(voters))
        self.progress = {
            v: self.progress.get(v) or self.new_progress(next_index) for v in self.voters
        }

    def new_progress(self, next_index: int) -> Progress:
        return Progress(
            match=0,
            next=next_index,
            inflights=Inflights(self.max_inflight, self.max_inflight_bytes),
            recent_active=True,
        )

    def committed(self) -> int:
        """Highest index replicated on a majority of voters."""
        if not self.voters:
            return 0
        matches = sorted((self.progress[v].match for v in self.voters), reverse=True)
        return matches[self.quorum() - 1]

    def reset_votes(self) -> None:
        self.votes = {}

    def record_vote(self, node: int, granted: bool) -> None:
        self.votes.setdefault(node, granted)

    def tally(self) -> tuple[int, int, str]:
        """(granted, rejected, result) where result is "won", "lost" or "pending"."""
        granted = sum(1 for v in self.voters if self.votes.get(v) is True)
        rejected = sum(1 for v in self.voters if self.votes.get(v) is False)
        q = self.quorum()
        if granted >= q:
            return granted, rejected, "won"
        if rejected > len(self.voters) - q:
            return granted, rejected, "lost"
        return granted, rejected, "pending"

    def quorum_active(self, self_id: int) -> bool:
        """Whether a majority (counting ourselves) has been heard from recently."""
        active = sum(1 for v in self.voters if v == self_id or self.progress[v].recent_active)
        return active >= self.quorum()
