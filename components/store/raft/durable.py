"""`DurableStorage`: the Raft core's `Storage` kept in memory and made durable on a HostDisk.

Reads come from a `MemoryStorage`; every write goes first to the WAL (`wal.py`) and snapshot
files (`snapfile.py`). `open` recovers from the newest valid snapshot and the newest WAL
segment that continues it: a torn tail is cut off (rewritten without it, then fsynced), a
damaged middle raises `WalCorruptError`. A fresh disk is bootstrapped with the members'
initial configuration (a snapshot at index 1, as `MemoryStorage.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Sequence

from components.store.raft.core import (
    ConfState,
    Entry,
    HardState,
    MemoryStorage,
    Snapshot,
)
from components.store.raft.snapfile import (
    latest_snapshot,
    snap_index,
    write_snapshot,
)
from components.store.raft.wal import (
    SegmentContent,
    WalCorruptError,
    base_record,
    decode_entries,
    read_segment,
    ready_record,
    segment_base,
    segment_name,
)
from kernel.hosting import HostDisk


def _complete_segment(disk: HostDisk, bases: list[int]) -> tuple[str, SegmentContent]:
    """The newest segment that holds its base record and its opening hard state.

    A segment is written whole and fsynced before older ones are deleted, so one cut short
    by a crash (missing either record) is skipped in favour of the previous one.
    """
    for base in reversed(bases):
        name = segment_name(base)
        content = read_segment(disk, name)
        records = content.records
        if len(records) >= 2 and records[0][0] == "base" and records[1][0] == "ready":
            return name, content
        if base == bases[0]:
            raise WalCorruptError(name, 0, "no complete WAL segment (base record missing)")
    raise AssertionError("unreachable")


class DurableStorage(MemoryStorage):
    """A `MemoryStorage` whose writes are logged to `disk` first (see the module docstring)."""

    def __init__(self, disk: HostDisk) -> None:
        super().__init__()
        self.disk = disk
        self.segment = ""
        """Name of the segment new records are appended to."""
        self.fsyncs = 0

    @classmethod
    def open(cls, disk: HostDisk, voters: Sequence[int]) -> DurableStorage:
        """Recover the storage on `disk`, or bootstrap it for a new cluster of `voters`."""
        storage = cls(disk)
        snap = latest_snapshot(disk)
        segments = sorted(b for n in disk.listdir() if (b := segment_base(n)) is not None)
        if snap is None and not segments:
            boot = MemoryStorage.bootstrap(voters)
            storage._install(boot.snapshot(), boot.hard_state)
            return storage
        if snap is not None and not segments:
            # Killed between the bootstrap snapshot and its first segment: nothing was sent.
            storage._install(snap, HardState(snap.metadata.term, 0, snap.metadata.index))
            return storage
        if snap is None:
            raise WalCorruptError(
                segment_name(segments[-1]), 0, "WAL segments exist but no readable snapshot"
            )
        MemoryStorage.apply_snapshot(storage, snap)
        hard = HardState(term=snap.metadata.term, vote=0, commit=snap.metadata.index)
        usable = [b for b in segments if b <= snap.metadata.index]
        if not usable:
            raise WalCorruptError(
                segment_name(segments[0]),
                0,
                f"no WAL segment continues the snapshot at index {snap.metadata.index}",
            )
        name, content = _complete_segment(disk, usable)
        for record in content.records[1:]:
            _, hs, rows = record
            if rows:
                MemoryStorage.append(storage, decode_entries(rows))
            if hs is not None:
                hard = HardState(*hs)
        first = storage.first_index() - 1
        hard = HardState(hard.term, hard.vote, min(max(hard.commit, first), storage.last_index()))
        MemoryStorage.set_hard_state(storage, hard)
        storage.segment = name
        if content.torn:
            disk.write(name, disk.read(name)[: content.valid_bytes])
            disk.fsync(name)
        chosen = segment_base(name)
        doomed = [segment_name(b) for b in segments if chosen is not None and b > chosen]
        for stale in doomed:
            disk.delete(stale)  # written for a snapshot that never became valid, or torn
        if doomed:
            disk.fsync()
        return storage

    # -- writes ----------------------------------------------------------------------------

    def save(self, hard_state: HardState | None, entries: Sequence[Entry], sync: bool) -> None:
        """Log one Ready's entries and hard state (one append, one fsync when `sync`)."""
        if not entries and hard_state is None:
            return
        self.disk.append(self.segment, ready_record(hard_state, entries))
        if sync:
            self.disk.fsync(self.segment)
            self.fsyncs += 1
        if entries:
            MemoryStorage.append(self, entries)
        if hard_state is not None:
            MemoryStorage.set_hard_state(self, hard_state)

    def install_snapshot(self, snapshot: Snapshot) -> None:
        """A snapshot from the leader: make it durable, then start a segment after it."""
        MemoryStorage.apply_snapshot(self, snapshot)
        md = snapshot.metadata
        hard = self.hard_state
        if hard.commit < md.index:
            hard = HardState(hard.term, hard.vote, md.index)
            MemoryStorage.set_hard_state(self, hard)
        self._install(snapshot, hard)

    def snapshot_and_compact(
        self, index: int, conf_state: ConfState, data: bytes, keep: int
    ) -> Snapshot:
        """Snapshot the applied state at `index`, keep `keep` entries before it, rewrite the WAL."""
        snap = MemoryStorage.create_snapshot(self, index, conf_state, data)
        write_snapshot(self.disk, snap)
        cut = max(self.first_index() - 1, index - keep)
        if cut > self.first_index() - 1:
            MemoryStorage.compact(self, cut)
        base = self.first_index() - 1
        name = segment_name(base)
        if name == self.segment:
            self._delete_older(keep_segment=name, keep_snap=index)
            return snap
        body = [base_record(base, self.term(base))]
        rest = self.entries(base + 1, self.last_index() + 1) if self.last_index() > base else []
        body.append(ready_record(self.hard_state, rest))
        self.disk.write(name, b"".join(body))
        self.disk.fsync(name)
        self.fsyncs += 1
        self.segment = name
        self._delete_older(keep_segment=name, keep_snap=index)
        return snap

    def _install(self, snapshot: Snapshot, hard: HardState) -> None:
        md = snapshot.metadata
        if self.snapshot().metadata.index != md.index or not self.segment:
            MemoryStorage.apply_snapshot(self, snapshot)
        MemoryStorage.set_hard_state(self, hard)
        write_snapshot(self.disk, snapshot)
        name = segment_name(md.index)
        self.disk.write(name, base_record(md.index, md.term) + ready_record(hard, []))
        self.disk.fsync(name)
        self.fsyncs += 1
        self.segment = name
        self._delete_older(keep_segment=name, keep_snap=md.index)

    def _delete_older(self, *, keep_segment: str, keep_snap: int) -> None:
        keep_base = segment_base(keep_segment) or 0
        doomed = [
            n
            for n in self.disk.listdir()
            if ((b := segment_base(n)) is not None and b != keep_base)
            or ((i := snap_index(n)) is not None and i < keep_snap)
        ]
        for name in doomed:
            self.disk.delete(name)
        if doomed:
            self.disk.fsync()


__all__ = ["DurableStorage", "WalCorruptError"]
