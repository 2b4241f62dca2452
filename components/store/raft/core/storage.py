"""Stable storage as seen by the Raft core, and an in-memory implementation.

The core only *reads* storage; the driver *writes* it, following each ``Ready``: install the
snapshot, append the entries, save the hard state, and only then send the messages. A durable
driver implements :class:`Storage` over a write-ahead log; tests use :class:`MemoryStorage`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .errors import LogCompacted, LogUnavailable, SnapshotOutOfDate
from .messages import (
    EMPTY_HARD_STATE,
    ConfState,
    Entry,
    HardState,
    Snapshot,
    SnapshotMetadata,
)


class Storage(Protocol):
    """What the core reads from stable storage (mirrors etcd's ``raft.Storage``)."""

    def initial_state(self) -> tuple[HardState, ConfState]:
        """The persisted hard state and the configuration of the latest snapshot."""
        ...

    def entries(self, lo: int, hi: int, max_size: int = 0) -> list[Entry]:
        """Entries [lo, hi), at least one, at most ``max_size`` bytes (0: no limit)."""
        ...

    def term(self, index: int) -> int:
        """Term of the entry at ``index`` (``first_index() - 1`` gives the snapshot's)."""
        ...

    def first_index(self) -> int:
        """Index of the first entry still held (snapshot index + 1)."""
        ...

    def last_index(self) -> int:
        """Index of the last entry held."""
        ...

    def snapshot(self) -> Snapshot:
        """The most recent snapshot."""
        ...


def limit_size(entries: list[Entry], max_size: int) -> list[Entry]:
    """Keep a prefix of ``entries`` within ``max_size`` bytes, but always the first one."""
    if max_size <= 0 or len(entries) <= 1:
        return entries
    size = entries[0].size()
    for i in range(1, len(entries)):
        size += entries[i].size()
        if size > max_size:
            return entries[:i]
    return entries


class MemoryStorage:
    """A :class:`Storage` held in memory; survives a simulated crash of the core using it.

    ``_ents[0]`` is a dummy entry carrying the snapshot's index and term, as in etcd.
    """

    def __init__(self) -> None:
        self.hard_state: HardState = EMPTY_HARD_STATE
        self._snapshot = Snapshot()
        self._ents: list[Entry] = [Entry(term=0, index=0)]

    @classmethod
    def bootstrap(cls, voters: Iterable[int]) -> MemoryStorage:
        """Storage for an initial member of a new cluster of ``voters``.

        The cluster starts from a snapshot at index 1, term 1 that holds the initial
        configuration, so members added later learn it from that snapshot.
        """
        storage = cls()
        conf = ConfState(voters=tuple(sorted(set(voters))))
        storage.apply_snapshot(Snapshot(SnapshotMetadata(index=1, term=1, conf_state=conf)))
        storage.set_hard_state(HardState(term=1, vote=0, commit=1))
        return storage

    # -- reads (Storage protocol) ------------------------------------------------------

    def initial_state(self) -> tuple[HardState, ConfState]:
        return self.hard_state, self._snapshot.metadata.conf_state

    def entries(self, lo: int, hi: int, max_size: int = 0) -> list[Entry]:
        offset = self._ents[0].index
        if lo <= offset:
            raise LogCompacted(f"index {lo} is compacted (first index {offset + 1})")
        if hi > self.last_index() + 1:
            raise LogUnavailable(f"index {hi - 1} is beyond the last index {self.last_index()}")
        return limit_size(self._ents[lo - offset : hi - offset], max_size)

    def term(self, index: int) -> int:
        offset = self._ents[0].index
        if index < offset:
            raise LogCompacted(f"index {index} is compacted (first index {offset + 1})")
        if index - offset >= len(self._ents):
            raise LogUnavailable(f"index {index} is beyond the last index {self.last_index()}")
        return self._ents[index - offset].term

    def first_index(self) -> int:
        return self._ents[0].index + 1

    def last_index(self) -> int:
        return self._ents[0].index + len(self._ents) - 1

    def snapshot(self) -> Snapshot:
        return self._snapshot

    # -- writes (driver) ----------------------------------------------------------------

    def set_hard_state(self, hard_state: HardState) -> None:
        """Persist the hard state from a Ready."""
        self.hard_state = hard_state

    def append(self, entries: Sequence[Entry]) -> None:
        """Persist entries from a Ready, replacing any conflicting suffix."""
        if not entries:
            return
        first = self.first_index()
        if entries[-1].index < first:
            return  # entirely covered by the snapshot already
        if entries[0].index < first:
            entries = entries[first - entries[0].index :]
        offset = entries[0].index - self._ents[0].index
        if offset > len(self._ents):
            raise LogUnavailable(
                f"missing log entry: last index {self.last_index()}, "
                f"appending at {entries[0].index}"
            )
        del self._ents[offset:]
        self._ents.extend(entries)

    def apply_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the whole log with ``snapshot`` (a Ready's snapshot, before its entries)."""
        md = snapshot.metadata
        if md.index < self._snapshot.metadata.index:
            raise SnapshotOutOfDate(
                f"snapshot at {md.index} is older than the held one at "
                f"{self._snapshot.metadata.index}"
            )
        self._snapshot = snapshot
        self._ents = [Entry(term=md.term, index=md.index)]

    def create_snapshot(self, index: int, conf_state: ConfState, data: bytes) -> Snapshot:
        """Record the application's snapshot of state up to ``index`` (already applied)."""
        if index <= self._snapshot.metadata.index:
            raise SnapshotOutOfDate(
                f"snapshot at {index} is not newer than the held one at "
                f"{self._snapshot.metadata.index}"
            )
        if index > self.last_index():
            raise LogUnavailable(f"snapshot index {index} > last index {self.last_index()}")
        term = self.term(index)
        self._snapshot = Snapshot(SnapshotMetadata(index, term, conf_state), data)
        return self._snapshot

    def compact(self, index: int) -> None:
        """Discard entries up to and including ``index`` (covered by a snapshot)."""
        offset = self._ents[0].index
        if index <= offset:
            raise LogCompacted(f"index {index} is already compacted (first {offset + 1})")
        if index > self.last_index():
            raise LogUnavailable(f"compact index {index} > last index {self.last_index()}")
        keep = self._ents[index - offset :]
        self._ents = [Entry(term=keep[0].term, index=index), *keep[1:]]
