"""The wire codec for contract payloads: None, bool, int, float, str, bytes, list, tuple, dict.

Why not pickle or marshal: both can be made to build arbitrary objects (or crash the
interpreter) from crafted bytes, and a peer or client socket is not trusted. This codec is
MessagePack (the `msgpack` C extension: a few microseconds per request, where a pure-Python
codec cost ~20 % of a put's CPU across the four processes) with strict types, so it only
ever builds the ten plain types above. Two extension types keep what MessagePack alone
would lose: a tuple (code 1, its items as an array) and an int outside 64 bits (code 2,
signed big-endian bytes). Malformed input raises :class:`WireError`; the host then drops
that connection and lives on.

Frames on a stream are a 4-byte little-endian length and one encoded value
(:func:`encode_frame`, :class:`FrameReader`).
"""

from __future__ import annotations

import struct
import threading
from typing import Any

import msgpack

MAX_FRAME = 256 * 1024 * 1024
"""Largest frame a reader accepts (a length above it means the stream is garbage)."""
MAX_TUPLE_DEPTH = 32
"""Deepest nesting of tuples a payload may have. Each level is a nested `msgpack` call with
its own C stack frame of tens of KiB, so without a bound about 200 nested tuples (1.4 KB of
hostile bytes) overflow the C stack and kill the process with SIGSEGV."""

_TUPLE = 1
_BIGINT = 2
_L = struct.Struct("<I")


class WireError(ValueError):
    """Bytes that are not an encoded payload, or a value that has no encoding."""


class _Depth(threading.local):
    """How many tuple extensions the current thread is inside (encoding or decoding)."""

    level = 0


_DEPTH = _Depth()


def _nested(what: str) -> WireError:
    return WireError(f"{what}: tuples nested deeper than {MAX_TUPLE_DEPTH} levels")


def _default(value: Any) -> msgpack.ExtType:
    """Encode what MessagePack has no strict type for: tuples and ints beyond 64 bits."""
    kind = type(value)
    if kind is tuple:
        if _DEPTH.level >= MAX_TUPLE_DEPTH:
            raise _nested("cannot encode payload")
        _DEPTH.level += 1
        try:
            return msgpack.ExtType(_TUPLE, _packer().pack(list(value)))
        finally:
            _DEPTH.level -= 1
    if kind is int:
        return msgpack.ExtType(
            _BIGINT, value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)
        )
    raise WireError(
        f"cannot encode a {kind.__name__} (payloads are None, bool, int, float, str, bytes, "
        "list, tuple and dict)"
    )


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _TUPLE:
        if _DEPTH.level >= MAX_TUPLE_DEPTH:
            raise _nested("malformed payload")
        _DEPTH.level += 1
        try:
            items = _unpack(data)
        finally:
            _DEPTH.level -= 1
        if type(items) is not list:
            raise WireError("malformed payload: a tuple extension that is not an array")
        return tuple(items)
    if code == _BIGINT:
        return int.from_bytes(data, "big", signed=True)
    raise WireError(f"malformed payload: unknown extension type {code}")


def _packer() -> msgpack.Packer:
    return msgpack.Packer(default=_default, strict_types=True, use_bin_type=True)


_PACKER = _packer()
_pack = _PACKER.pack


def _unpack(data: bytes | memoryview) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook, use_list=True)


def encode(value: Any) -> bytes:
    """Encode one payload; raise WireError naming the first value of an unsupported type."""
    try:
        return _pack(value)
    except WireError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise WireError(f"cannot encode payload: {exc}") from None


def decode(data: bytes | bytearray | memoryview) -> Any:
    """Decode one payload that fills `data` exactly; raise WireError on anything malformed."""
    try:
        return _unpack(data)
    except WireError:
        raise
    except (ValueError, TypeError, RecursionError, msgpack.UnpackException) as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise WireError(f"malformed payload ({len(data)} bytes): {reason}") from None


def encode_frame(value: Any) -> bytes:
    """One frame: the 4-byte length of the encoded value, then the value."""
    body = encode(value)
    return _L.pack(len(body)) + body


class FrameReader:
    """Splits a byte stream into decoded payloads (feed it whatever `receive_some` returned)."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buf = bytearray()
        self._max = max_frame

    def feed(self, chunk: bytes | bytearray) -> list[Any]:
        """Every payload completed by `chunk`, in order; WireError if the stream is malformed."""
        buf = self._buf
        buf += chunk
        out = []
        pos = 0
        end = len(buf)
        unpack = _L.unpack_from
        view = memoryview(buf)
        try:
            while end - pos >= 4:
                (n,) = unpack(view, pos)
                if n > self._max:
                    raise WireError(f"frame of {n} bytes is larger than the {self._max} allowed")
                if end - pos - 4 < n:
                    break
                out.append(decode(view[pos + 4 : pos + 4 + n]))
                pos += 4 + n
        finally:
            view.release()
        if pos:
            del buf[:pos]
        return out

    @property
    def pending(self) -> int:
        """Bytes received that do not yet make a whole frame."""
        return len(self._buf)


__all__ = [
    "MAX_FRAME",
    "MAX_TUPLE_DEPTH",
    "FrameReader",
    "WireError",
    "decode",
    "encode",
    "encode_frame",
]
