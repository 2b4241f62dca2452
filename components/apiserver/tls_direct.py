"""Encrypt watch events synchronously, so a TLS watch fan-out costs one system call per watcher.

trio's `SSLStream` encrypts inside `send_all`, so writing an event to N TLS watchers took N
task switches. `TlsDirect` reaches into the stream's `ssl.SSLObject` and outgoing memory BIO
(trio keeps them as ``_ssl_object`` and ``_outgoing``): `seal` encrypts bytes at once and
returns the TLS records, which the caller writes to the socket with ``os.write`` or queues.
Records carry sequence numbers, so they must reach the wire in the order they were sealed:
`send` holds the stream's own send lock (``_inner_send_lock``), the one trio's internal
sends (handshake, alerts) hold, and `idle` says when no such send is in flight. When a trio
release renames these, `tls_direct` returns None and the writer falls back to `send_all`
(a test pins that the fast path is taken with the installed trio).
"""

from __future__ import annotations

import ssl
from typing import Any

import attrs
import trio


@attrs.define(eq=False)
class TlsDirect:
    """A TLS stream's encryption state, used around its `send_all` by one watch writer."""

    stream: trio.SSLStream[Any]
    fd: int
    """The TCP socket's file descriptor (for non-blocking ``os.write``)."""
    _ssl: ssl.SSLObject
    _outgoing: ssl.MemoryBIO
    _lock: trio.StrictFIFOLock

    def seal(self, data: bytes) -> bytes:
        """`data` as TLS records (raises `ssl.SSLError` when the connection is broken)."""
        self._ssl.write(data)
        records = self._outgoing.read()
        delayed = getattr(self.stream, "_delayed_outgoing", None)
        if delayed:  # TLS 1.3 session tickets trio holds back until the first application data
            self.stream._delayed_outgoing = None  # type: ignore[attr-defined]
            records = delayed + records
        return records

    def idle(self) -> bool:
        """No send of the stream's own is in progress, so sealed bytes may be written now."""
        return not self._lock.locked()

    async def send(self, records: bytes) -> None:
        """Send sealed records in order with the stream's own sends."""
        async with self._lock:
            await self.stream.transport_stream.send_all(records)


def tls_direct(stream: trio.abc.Stream) -> TlsDirect | None:
    """The fast path for a handshaken `trio.SSLStream` over TCP; None when not available."""
    if not isinstance(stream, trio.SSLStream):
        return None
    transport = stream.transport_stream
    ssl_object = getattr(stream, "_ssl_object", None)
    outgoing = getattr(stream, "_outgoing", None)
    lock = getattr(stream, "_inner_send_lock", None)
    if not (
        isinstance(transport, trio.SocketStream)
        and isinstance(ssl_object, ssl.SSLObject)
        and isinstance(outgoing, ssl.MemoryBIO)
        and isinstance(lock, trio.StrictFIFOLock)
        and hasattr(stream, "_delayed_outgoing")
    ):
        return None
    return TlsDirect(stream, transport.socket.fileno(), ssl_object, outgoing, lock)


__all__ = ["TlsDirect", "tls_direct"]
