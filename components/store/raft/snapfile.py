"""Snapshot files of a Raft member: ``snap-<index>``, one checksummed record each.

A snapshot is written under a new name (its index), fsynced, and only then are older
snapshots and WAL segments deleted: HostDisk has no rename, so "write the new name, sync,
delete the old" is the atomic replacement. A file whose record is torn or fails its checksum
is ignored (an older valid snapshot, kept until the new one was durable, is used instead).
"""

from __future__ import annotations

import struct
import zlib

from components.store.raft.core import ConfState, Snapshot, SnapshotMetadata
from components.store.raft.values import ValueFormatError, pack, unpack
from kernel.hosting import HostDisk

SNAP_PREFIX = "snap-"
_FRAME = struct.Struct("<II")


def snap_name(index: int) -> str:
    """File name of the snapshot at log `index`."""
    return f"{SNAP_PREFIX}{index:020d}"


def snap_index(name: str) -> int | None:
    """The index in a snapshot file name, or None if `name` is not one."""
    if not name.startswith(SNAP_PREFIX):
        return None
    digits = name[len(SNAP_PREFIX) :]
    return int(digits) if digits.isdigit() else None


def write_snapshot(disk: HostDisk, snapshot: Snapshot) -> str:
    """Write and fsync `snapshot` under its own name; return the name."""
    md = snapshot.metadata
    payload = pack((md.index, md.term, tuple(md.conf_state.voters), snapshot.data))
    name = snap_name(md.index)
    disk.write(name, _FRAME.pack(len(payload), zlib.crc32(payload)) + payload)
    disk.fsync(name)
    return name


def read_snapshot(disk: HostDisk, name: str) -> Snapshot | None:
    """The snapshot in `name`, or None when the file is torn or damaged."""
    data = disk.read(name)
    if len(data) < _FRAME.size:
        return None
    length, crc = _FRAME.unpack_from(data, 0)
    payload = data[_FRAME.size :]
    if len(payload) != length or zlib.crc32(payload) != crc:
        return None
    try:
        index, term, voters, body = unpack(payload)
    except (ValueFormatError, ValueError, TypeError):
        return None
    return Snapshot(SnapshotMetadata(index, term, ConfState(tuple(voters))), body)


def latest_snapshot(disk: HostDisk) -> Snapshot | None:
    """The newest readable snapshot on `disk`, or None."""
    names = sorted((i, n) for n in disk.listdir() if (i := snap_index(n)) is not None)
    for _, name in reversed(names):
        snap = read_snapshot(disk, name)
        if snap is not None:
            return snap
    return None


__all__ = [
    "SNAP_PREFIX",
    "latest_snapshot",
    "read_snapshot",
    "snap_index",
    "snap_name",
    "write_snapshot",
]
