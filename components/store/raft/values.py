"""Bytes for plain values (None, bool, int, float, str, bytes, list, tuple, dict), nested.

Log entries, snapshot data and WAL records carry commands and state as plain values; this
module turns them into bytes and back. It uses `marshal` (C speed, deterministic output,
tuple and list kept apart) behind a one-byte format tag, so a future format is detectable.
Members trust each other's bytes as etcd members do: never feed it data from outside the
cluster (client payloads arrive already decoded by the host and are validated field by field).
"""

from __future__ import annotations

import marshal
from typing import Any

_TAG = b"\x01"
_MARSHAL_VERSION = 4


class ValueFormatError(ValueError):
    """The bytes were not written by `pack` (unknown tag or corrupted body)."""


def pack(value: Any) -> bytes:
    """Encode a nest of plain values; `unpack(pack(v)) == v` with types preserved."""
    try:
        return _TAG + marshal.dumps(value, _MARSHAL_VERSION)
    except ValueError as exc:
        raise ValueFormatError(f"cannot encode {type(value).__name__}: {exc}") from None


def unpack(data: bytes) -> Any:
    """Inverse of `pack`; raises `ValueFormatError` on bytes it did not write."""
    if data[:1] != _TAG:
        raise ValueFormatError(f"unknown value format tag {data[:1]!r}")
    try:
        return marshal.loads(memoryview(data)[1:])  # noqa: S302 (members trust each other)
    except (EOFError, ValueError, TypeError) as exc:
        raise ValueFormatError(f"corrupted value bytes: {exc}") from None


__all__ = ["ValueFormatError", "pack", "unpack"]
