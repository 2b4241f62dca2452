"""Compact binary encoding of :class:`Message` for real transports (TCP between processes).

Layout (little endian): a fixed header, the context bytes, the entries (each a small header
and its data), then an optional snapshot. ``struct`` does the work, so encoding a heartbeat
costs a couple of microseconds and no third-party dependency.
"""

from __future__ import annotations

import struct

from .messages import (
    ConfState,
    Entry,
    EntryType,
    Message,
    MessageType,
    Snapshot,
    SnapshotMetadata,
)

_VERSION = 1
_HEADER = struct.Struct("<BBQQQQQQBQIIB")
_ENTRY = struct.Struct("<QQBI")
_SNAP = struct.Struct("<QQII")


class CodecError(ValueError):
    """The bytes are not a message this codec version wrote (truncated or corrupted)."""


def encode_message(m: Message) -> bytes:
    """Encode ``m``; ``decode_message(encode_message(m)) == m``."""
    snap = m.snapshot
    parts = [
        _HEADER.pack(
            _VERSION,
            m.type,
            m.to,
            m.from_,
            m.term,
            m.log_term,
            m.index,
            m.commit,
            m.reject,
            m.reject_hint,
            len(m.context),
            len(m.entries),
            snap is not None,
        ),
        m.context,
    ]
    pack_entry = _ENTRY.pack
    for e in m.entries:
        parts.append(pack_entry(e.term, e.index, e.type, len(e.data)))
        parts.append(e.data)
    if snap is not None:
        md = snap.metadata
        voters = md.conf_state.voters
        parts.append(_SNAP.pack(md.index, md.term, len(voters), len(snap.data)))
        parts.append(struct.pack(f"<{len(voters)}Q", *voters))
        parts.append(snap.data)
    return b"".join(parts)


def decode_message(data: bytes) -> Message:
    """Inverse of :func:`encode_message`; raises :class:`CodecError` on bad input."""
    try:
        return _decode(memoryview(data))
    except (struct.error, ValueError, IndexError) as exc:
        raise CodecError(f"cannot decode raft message ({len(data)} bytes): {exc}") from exc


def _decode(buf: memoryview) -> Message:
    (
        version,
        kind,
        to,
        from_,
        term,
        log_term,
        index,
        commit,
        reject,
        reject_hint,
        ctx_len,
        n_entries,
        has_snap,
    ) = _HEADER.unpack_from(buf, 0)
    if version != _VERSION:
        raise CodecError(f"unsupported raft message version {version} (expected {_VERSION})")
    pos = _HEADER.size
    context = bytes(buf[pos : pos + ctx_len])
    pos += ctx_len
    entries = []
    unpack_entry = _ENTRY.unpack_from
    esize = _ENTRY.size
    for _ in range(n_entries):
        eterm, eindex, etype, dlen = unpack_entry(buf, pos)
        pos += esize
        entries.append(Entry(eterm, eindex, EntryType(etype), bytes(buf[pos : pos + dlen])))
        pos += dlen
    snapshot = None
    if has_snap:
        sindex, sterm, nvoters, dlen = _SNAP.unpack_from(buf, pos)
        pos += _SNAP.size
        voters = struct.unpack_from(f"<{nvoters}Q", buf, pos)
        pos += 8 * nvoters
        snapshot = Snapshot(
            SnapshotMetadata(sindex, sterm, ConfState(tuple(voters))),
            bytes(buf[pos : pos + dlen]),
        )
        pos += dlen
    if pos != len(buf):
        raise CodecError(f"{len(buf) - pos} trailing bytes after the message")
    return Message(
        MessageType(kind),
        to,
        from_,
        term,
        log_term,
        index,
        tuple(entries),
        commit,
        snapshot,
        bool(reject),
        reject_hint,
        context,
    )
