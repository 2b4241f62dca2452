"""The Raft log: entries in stable storage plus the not-yet-persisted (unstable) tail.

Indices below ``storage.first_index()`` live only in a snapshot. ``committed`` and
``applied`` are volatile cursors; the invariant is ``applied <= committed <= last_index``.
"""

from __future__ import annotations

from .errors import LogCompacted, LogUnavailable, RaftError
from .messages import Entry, Snapshot
from .storage import Storage, limit_size


class RaftLog:
    """Read view over stable storage and owner of the unstable suffix (and snapshot)."""

    def __init__(self, storage: Storage, max_applying_size: int = 0) -> None:
        self.storage = storage
        first = storage.first_index()
        last = storage.last_index()
        self.unstable: list[Entry] = []
        """Entries not yet handed to the driver for persistence (via Ready)."""
        self.unstable_offset = last + 1
        """Index of ``unstable[0]``."""
        self.pending_snapshot: Snapshot | None = None
        """A snapshot received from the leader, not yet persisted by the driver."""
        self.committed = first - 1
        self.applied = first - 1
        self.max_applying_size = max_applying_size

    # -- positions ----------------------------------------------------------------------

    def first_index(self) -> int:
        if self.pending_snapshot is not None:
            return self.pending_snapshot.metadata.index + 1
        return self.storage.first_index()

    def last_index(self) -> int:
        if self.unstable:
            return self.unstable_offset + len(self.unstable) - 1
        if self.pending_snapshot is not None:
            return self.pending_snapshot.metadata.index
        return self.storage.last_index()

    def term(self, index: int) -> int:
        """Term at ``index``; raises LogCompacted / LogUnavailable outside the log."""
        offset = self.unstable_offset
        if index >= offset:
            pos = index - offset
            if pos < len(self.unstable):
                return self.unstable[pos].term
            raise LogUnavailable(f"index {index} is beyond the last index {self.last_index()}")
        snap = self.pending_snapshot
        if snap is not None:
            if index == snap.metadata.index:
                return snap.metadata.term
            if index < snap.metadata.index:
                raise LogCompacted(f"index {index} is covered by the pending snapshot")
        return self.storage.term(index)

    def term_or_zero(self, index: int) -> int:
        """Term at ``index``, or 0 when the index is compacted or beyond the log."""
        try:
            return self.term(index)
        except (LogCompacted, LogUnavailable):
            return 0

    def last_term(self) -> int:
        return self.term(self.last_index())

    def match_term(self, index: int, term: int) -> bool:
        """Whether our entry at ``index`` has ``term`` (False if we do not hold it)."""
        try:
            return self.term(index) == term
        except (LogCompacted, LogUnavailable):
            return False

    def is_up_to_date(self, last_index: int, term: int) -> bool:
        """Whether a candidate's log (last ``index``/``term``) is as up-to-date as ours (5.4.1)."""
        our_term = self.last_term()
        return term > our_term or (term == our_term and last_index >= self.last_index())

    # -- appending ----------------------------------------------------------------------

    def append(self, entries: list[Entry] | tuple[Entry, ...]) -> int:
        """Append ``entries``, truncating the unstable/stable suffix they replace."""
        if not entries:
            return self.last_index()
        after = entries[0].index - 1
        if after < self.committed:
            raise RaftError(f"append after {after} would overwrite committed {self.committed}")
        offset = self.unstable_offset
        if after + 1 == offset + len(self.unstable):
            self.unstable.extend(entries)
        elif after + 1 <= offset:
            # Replaces part of the stable log: the driver must rewrite from here.
            self.unstable_offset = after + 1
            self.unstable = list(entries)
        else:
            del self.unstable[after + 1 - offset :]
            self.unstable.extend(entries)
        return self.last_index()

    def find_conflict(self, entries: tuple[Entry, ...]) -> int:
        """Index of the first entry whose term differs from ours (or is new), else 0."""
        for e in entries:
            if not self.match_term(e.index, e.term):
                return e.index
        return 0

    def find_conflict_by_term(self, index: int, term: int) -> tuple[int, int]:
        """Largest index <= ``index`` whose term is <= ``term``, with that term.

        Used for fast backtracking: every entry above it cannot match the other log.
        """
        while index > 0:
            try:
                our = self.term(index)
            except (LogCompacted, LogUnavailable):
                return index, 0
            if our <= term:
                return index, our
            index -= 1
        return 0, 0

    def maybe_append(
        self,
        index: int,
        log_term: int,
        committed: int,
        entries: tuple[Entry, ...],
        keep_conflicts: bool = False,
    ) -> int | None:
        """Follower side of AppendEntries (5.3): the new last index, or None on mismatch."""
        if not self.match_term(index, log_term):
            return None
        last_new = index + len(entries)
        conflict = self.find_conflict(entries)
        if conflict:
            if conflict <= self.committed:
                raise RaftError(f"entry {conflict} conflicts with committed {self.committed}")
            if keep_conflicts and conflict <= self.last_index():
                # Mutant KEEP_CONFLICTING_SUFFIX: only append what lies past our end.
                start = self.last_index() + 1 - (index + 1)
                self.append(entries[start:])
            else:
                self.append(entries[conflict - (index + 1) :])
        self.commit_to(min(committed, last_new))
        return last_new

    # -- commit / apply -----------------------------------------------------------------

    def commit_to(self, index: int) -> None:
        if index > self.committed:
            if index > self.last_index():
                raise RaftError(f"commit {index} is out of range [last {self.last_index()}]")
            self.committed = index

    def maybe_commit(self, max_index: int, term: int, any_term: bool = False) -> bool:
        """Advance commit to ``max_index`` if that entry is from ``term`` (5.4.2)."""
        if max_index > self.committed and (any_term or self.term_or_zero(max_index) == term):
            self.commit_to(max_index)
            return True
        return False

    def applied_to(self, index: int) -> None:
        if index == 0:
            return
        if index > self.committed or index < self.applied:
            raise RaftError(f"applied({index}) outside [{self.applied}, {self.committed}]")
        self.applied = index

    def has_next_committed(self, upto: int | None = None) -> bool:
        if self.pending_snapshot is not None:
            return False
        hi = self.committed if upto is None else upto
        return hi > self.applied

    def next_committed(self, upto: int | None = None) -> list[Entry]:
        """Committed entries not yet applied (limited by ``max_applying_size``)."""
        if self.pending_snapshot is not None:
            return []
        hi = self.committed if upto is None else min(upto, self.last_index())
        lo = max(self.applied + 1, self.first_index())
        if lo > hi:
            return []
        return self.slice(lo, hi + 1, self.max_applying_size)

    # -- reads --------------------------------------------------------------------------

    def slice(self, lo: int, hi: int, max_size: int = 0) -> list[Entry]:
        """Entries [lo, hi) from storage and/or the unstable tail, within ``max_size``."""
        if lo >= hi:
            return []
        first = self.first_index()
        if lo < first:
            raise LogCompacted(f"index {lo} is compacted (first index {first})")
        if hi > self.last_index() + 1:
            raise LogUnavailable(f"index {hi - 1} is beyond the last index {self.last_index()}")
        offset = self.unstable_offset
        out: list[Entry]
        if lo < offset:
            out = self.storage.entries(lo, min(hi, offset), max_size)
            if hi <= offset or len(out) < min(hi, offset) - lo:
                return out
            out = out + self.unstable[: hi - offset]
        else:
            out = self.unstable[lo - offset : hi - offset]
        return limit_size(out, max_size)

    def entries_from(self, lo: int, max_size: int) -> list[Entry]:
        return self.slice(lo, self.last_index() + 1, max_size)

    def snapshot(self) -> Snapshot:
        """The pending snapshot if any, else the stored one."""
        if self.pending_snapshot is not None:
            return self.pending_snapshot
        return self.storage.snapshot()

    # -- persistence acknowledgements -----------------------------------------------------

    def stable_to(self, index: int, term: int) -> None:
        """The driver has persisted entries up to ``index`` (ignored if since replaced)."""
        offset = self.unstable_offset
        if index < offset or index >= offset + len(self.unstable):
            return
        if self.unstable[index - offset].term != term:
            return
        del self.unstable[: index + 1 - offset]
        self.unstable_offset = index + 1

    def stable_snap_to(self, index: int) -> None:
        if self.pending_snapshot is not None and self.pending_snapshot.metadata.index == index:
            self.pending_snapshot = None

    def restore(self, snapshot: Snapshot) -> None:
        """Replace the log with ``snapshot`` (follower installing a leader's snapshot)."""
        md = snapshot.metadata
        self.committed = md.index
        self.unstable = []
        self.unstable_offset = md.index + 1
        self.pending_snapshot = snapshot
