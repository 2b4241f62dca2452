"""The write-ahead log of a Raft member: framed records in segment files on a `HostDisk`.

A record is ``<u32 length><u32 crc32(payload)><payload>`` (little endian); the payload is a
`values.pack`ed tuple. Segment ``wal-<base>`` (base zero-padded to 20 digits) starts with a
``("base", index, term)`` record: the log position it continues from (a snapshot's, or 0).
Then come one ``("ready", hard_state | None, entries)`` record per Ready batch, appended and
fsynced once, before that batch's messages are sent.

Reading stops at the first record that is not whole: a crash in the middle of an append
leaves a torn tail, which `read_segment` reports so the caller truncates it. A record that
fails its checksum while more bytes follow it is corruption, not a torn write: reading
refuses it with `WalCorruptError`, which names the file and the offset.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from typing import Any

import attrs

from components.store.raft.core import Entry, EntryType, HardState
from components.store.raft.values import ValueFormatError, pack, unpack
from kernel.hosting import HostDisk

_FRAME = struct.Struct("<II")
SEGMENT_PREFIX = "wal-"


class WalCorruptError(Exception):
    """A WAL record in the middle of a segment is damaged; the member refuses to start."""

    def __init__(self, file: str, offset: int, reason: str) -> None:
        super().__init__(f"WAL file {file!r} is corrupt at byte offset {offset}: {reason}")
        self.file = file
        self.offset = offset


def frame(payload: bytes) -> bytes:
    """One record: length, checksum, payload."""
    return _FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def segment_name(base: int) -> str:
    """File name of the segment that continues the log after index `base`."""
    return f"{SEGMENT_PREFIX}{base:020d}"


def segment_base(name: str) -> int | None:
    """The base index in a segment's file name, or None if `name` is not a segment."""
    if not name.startswith(SEGMENT_PREFIX):
        return None
    digits = name[len(SEGMENT_PREFIX) :]
    return int(digits) if digits.isdigit() else None


def encode_entries(entries: Iterable[Entry]) -> list[tuple[int, int, int, bytes]]:
    """Entries as plain tuples for a record."""
    return [(e.term, e.index, int(e.type), e.data) for e in entries]


def decode_entries(rows: Iterable[Any]) -> list[Entry]:
    """Inverse of `encode_entries`."""
    return [Entry(t, i, EntryType(k), d) for t, i, k, d in rows]


def ready_record(hard_state: HardState | None, entries: Iterable[Entry]) -> bytes:
    """The framed record of one Ready batch."""
    hs = None if hard_state is None else (hard_state.term, hard_state.vote, hard_state.commit)
    return frame(pack(("ready", hs, encode_entries(entries))))


def base_record(index: int, term: int) -> bytes:
    """The framed first record of a segment."""
    return frame(pack(("base", index, term)))


@attrs.frozen
class SegmentContent:
    """What `read_segment` found: records in order and where the valid bytes end."""

    records: tuple[Any, ...]
    valid_bytes: int
    """Length of the whole-record prefix; less than the file size after a torn append."""
    size: int

    @property
    def torn(self) -> bool:
        """Whether the file ends in a partial record (to truncate before appending)."""
        return self.valid_bytes < self.size


def read_segment(disk: HostDisk, name: str) -> SegmentContent:
    """Parse a segment; a torn tail ends it, a damaged middle raises `WalCorruptError`."""
    data = disk.read(name)
    view = memoryview(data)
    size = len(data)
    pos = 0
    records: list[Any] = []
    while pos < size:
        if size - pos < _FRAME.size:
            break  # torn inside the frame header
        length, crc = _FRAME.unpack_from(view, pos)
        end = pos + _FRAME.size + length
        if end > size:
            break  # torn inside the payload
        payload = bytes(view[pos + _FRAME.size : end])
        if zlib.crc32(payload) != crc:
            if end == size:
                break  # the last write came out garbled: treat it as torn
            raise WalCorruptError(name, pos, "checksum mismatch with more records after it")
        try:
            records.append(unpack(payload))
        except ValueFormatError as exc:
            raise WalCorruptError(name, pos, str(exc)) from None
        pos = end
    return SegmentContent(tuple(records), pos, size)


__all__ = [
    "SEGMENT_PREFIX",
    "SegmentContent",
    "WalCorruptError",
    "base_record",
    "decode_entries",
    "encode_entries",
    "frame",
    "read_segment",
    "ready_record",
    "segment_base",
    "segment_name",
]
