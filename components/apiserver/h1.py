"""HTTP/1.1 on the wire for the API server: request heads in, response heads and chunks out.

Pure functions over bytes (no I/O), so the connection loop in `serving` stays small and the
parser is testable on its own. Only what the API server needs: origin-form targets, the
``Content-Length`` and ``chunked`` body framings, keep-alive rules of HTTP/1.0 and 1.1. A
malformed request is a `ProtocolError` carrying the status code to answer with (400, 413,
431, 501, 505); the connection is closed after answering it, as the framing is lost.
"""

from __future__ import annotations

import functools
import re
from http import HTTPStatus
from urllib.parse import unquote

import attrs

MAX_HEAD_BYTES = 64 * 1024
"""Largest request line plus headers accepted (431 past it)."""

_REQUEST_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP/(1\.[01])")
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*?)[ \t]*")
_VERSION_LINE = re.compile(rb"\S+ \S+ HTTP/\d+\.\d+")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?")

_REASONS: dict[int, bytes] = {s.value: s.phrase.encode() for s in HTTPStatus}


class ProtocolError(Exception):
    """The request cannot be read as HTTP/1.1; `code` is the status to answer with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@attrs.frozen
class RequestHead:
    """A parsed request line and header block."""

    method: str
    path: str
    """Percent-decoded path, without the query."""
    query: str
    """The raw query string (after ``?``), undecoded."""
    version: str
    """``1.1`` or ``1.0``."""
    headers: dict[str, str]
    """Lower-case names; repeated headers joined with ``", "``."""

    @property
    def keep_alive(self) -> bool:
        """Whether the connection may carry another request after this one."""
        tokens = {t.strip().lower() for t in self.headers.get("connection", "").split(",")}
        if self.version == "1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


def parse_head(data: bytes) -> RequestHead:
    """Parse a request head (without the blank line that ends it)."""
    lines = data.split(b"\r\n")
    match = _REQUEST_LINE.fullmatch(lines[0])
    if match is None:
        if _VERSION_LINE.fullmatch(lines[0]):
            raise ProtocolError(505, "only HTTP/1.0 and HTTP/1.1 are supported")
        raise ProtocolError(400, "malformed request line")
    method, target, version = match.groups()
    headers: dict[str, str] = {}
    for line in lines[1:]:
        field = _HEADER_LINE.fullmatch(line)
        if field is None:
            raise ProtocolError(400, "malformed header line")
        name = field.group(1).decode("ascii").lower()
        value = field.group(2).decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if version == b"1.1" and "host" not in headers:
        raise ProtocolError(400, "an HTTP/1.1 request needs a Host header")
    raw = target.decode("latin-1")
    if raw.startswith(("http://", "https://")):  # absolute-form: keep the path
        raw = "/" + raw.split("/", 3)[3] if raw.count("/") >= 3 else "/"
    path, _, query = raw.partition("?")
    if "%" in path:
        path = unquote(path)
    return RequestHead(method.decode("ascii"), path, query, version.decode("ascii"), headers)


def body_length(head: RequestHead, limit: int) -> int | None:
    """The Content-Length to read (0 when none), or None for a chunked body.

    `limit` is the largest body accepted: past it, 413 without reading the body.
    """
    encoding = head.headers.get("transfer-encoding")
    length = head.headers.get("content-length")
    if encoding is not None:
        if length is not None:
            raise ProtocolError(400, "both Content-Length and Transfer-Encoding were given")
        if encoding.strip().lower() != "chunked":
            raise ProtocolError(501, f"unsupported Transfer-Encoding {encoding!r}")
        return None
    if length is None:
        return 0
    if not length.isdigit() or not length.isascii():
        raise ProtocolError(400, f"invalid Content-Length {length[:40]!r}")
    if len(length) > len(str(limit)) + 1:  # no int() of thousands of digits
        raise ProtocolError(413, f"the request body is larger than {limit} bytes")
    size = int(length)
    if size > limit:
        raise ProtocolError(413, f"the request body is larger than {limit} bytes")
    return size


def parse_chunk_size(line: bytes) -> int:
    """The size on a chunk-size line (extensions ignored)."""
    match = _CHUNK_SIZE.fullmatch(line)
    if match is None:
        raise ProtocolError(400, "malformed chunk size in a chunked body")
    return int(match.group(1), 16)


def response_head(
    code: int,
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...],
    *,
    length: int | None,
    keep_alive: bool,
    chunked: bool = False,
) -> bytes:
    """The status line and headers of a response, with the framing headers added."""
    static = _static_head(code, tuple(headers), keep_alive, chunked and length is None)
    if length is None:
        return static + b"\r\n"
    return static + b"content-length: %d\r\n\r\n" % length


@functools.lru_cache(maxsize=256)
def _static_head(
    code: int, headers: tuple[tuple[str, str], ...], keep_alive: bool, chunked: bool
) -> bytes:
    """Everything of a head but its length and blank line (few distinct ones: cached)."""
    parts = [b"HTTP/1.1 %d %s\r\n" % (code, _REASONS.get(code, b"Unknown"))]
    parts.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers)
    if chunked:
        parts.append(b"transfer-encoding: chunked\r\n")
    if not keep_alive:
        parts.append(b"connection: close\r\n")
    return b"".join(parts)


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (empty data: the last chunk)."""
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b"0\r\n\r\n"


__all__ = [
    "MAX_HEAD_BYTES",
    "ProtocolError",
    "RequestHead",
    "body_length",
    "chunk",
    "parse_chunk_size",
    "parse_head",
    "response_head",
]
