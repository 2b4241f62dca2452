"""A lean HTTP/1.1 keep-alive client on trio, just enough for etcd's JSON gateway.

Why not httpx: under trio its pooled async client collapses at 32 concurrent clients (about
490 puts/s against 3,555 for this module on a 3-member etcd); and the same pooling over h11's
parser reaches 0.8x of this module's throughput there, while the Python side, not etcd,
bounds throughput (measured with `kubelab bench store --compare-clients`: docs/store.md,
"etcd backend"). This module keeps idle connections per endpoint, sends one POST per
connection at a time, and reports *how* a request failed, because the Store contract needs it:

* `NotSentError`: the request certainly never reached the server (connect refused, an idle
  connection found dead before sending). Safe to retry anywhere.
* `ResponseLostError`: the request may have been received and acted on (the connection broke
  or timed out after sending began).
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import attrs
import trio

from components.store.etcd._wire import (
    ProtocolError,
    Reader,
    ResponseHead,
    chunks,
    read_body,
    read_head,
    request_bytes,
)


class TransportError(Exception):
    """Base of this module's errors: the HTTP exchange itself failed."""


class NotSentError(TransportError):
    """The request never left this process (safe to retry: it cannot have taken effect)."""


class ResponseLostError(TransportError):
    """The request may have reached the server, but no complete response came back."""


@attrs.frozen
class Endpoint:
    """Host, port and scheme of one ``http://host:port`` or ``https://host:port`` URL."""

    host: str
    port: int
    scheme: str = "http"

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """Parse an http(s)://host:port URL; raise ValueError naming the problem otherwise."""
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"etcd endpoint {url!r}: only http:// and https:// URLs are supported")
        if not parts.hostname:
            raise ValueError(f"etcd endpoint {url!r} has no host")
        return cls(parts.hostname, parts.port or 2379, parts.scheme)

    @property
    def url(self) -> str:
        """The endpoint as ``scheme://host:port``."""
        return f"{self.scheme}://{self.host}:{self.port}"


@attrs.define
class _Connection:
    stream: trio.abc.Stream
    reader: Reader = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.reader = Reader(self.stream)

    def looks_dead(self) -> bool:
        """True when an idle connection is readable: the server closed it (or sent junk)."""
        if self.reader.buffer:
            return True
        try:
            stream = self.stream
            tcp = stream.transport_stream if isinstance(stream, trio.SSLStream) else stream
            readable, _, _ = select.select([tcp.socket.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    async def close(self) -> None:
        with trio.CancelScope(shield=True):
            await self.stream.aclose()


@attrs.frozen
class Response:
    """A complete HTTP response: status code and body bytes."""

    status: int
    body: bytes


_BROKEN = (trio.BrokenResourceError, trio.ClosedResourceError, OSError, ProtocolError)


@attrs.define
class ConnectionPool:
    """Keep-alive HTTP/1.1 connections to one endpoint, one request at a time on each."""

    endpoint: Endpoint
    max_idle: int = 128
    connect_timeout: float = 2.0
    ssl_context: ssl.SSLContext | None = None
    """TLS for an https:// endpoint (the CA to trust and the client certificate)."""
    _idle: list[_Connection] = attrs.field(factory=list)
    _closed: bool = False

    async def _connect(self) -> _Connection:
        try:
            with trio.fail_after(self.connect_timeout):
                stream = await trio.open_tcp_stream(self.endpoint.host, self.endpoint.port)
                stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self.endpoint.scheme != "https":
                    return _Connection(stream)
                secured = trio.SSLStream(
                    stream,
                    self.ssl_context or ssl.create_default_context(),
                    server_hostname=self.endpoint.host,
                )
                await secured.do_handshake()
        except (OSError, trio.TooSlowError, trio.BrokenResourceError) as exc:
            raise NotSentError(f"cannot connect to {self.endpoint.url}: {exc}") from exc
        return _Connection(secured)

    async def _checkout(self) -> _Connection:
        """Return an idle connection that still looks alive, or a new one."""
        while self._idle:
            conn = self._idle.pop()
            if not conn.looks_dead():
                return conn
            await conn.close()
        return await self._connect()

    async def _checkin(self, conn: _Connection) -> None:
        if self._closed or len(self._idle) >= self.max_idle:
            await conn.close()
        else:
            self._idle.append(conn)

    async def _exchange_head(self, conn: _Connection, path: str, body: bytes) -> ResponseHead:
        data = request_bytes(self.endpoint.host, self.endpoint.port, path, body)
        try:
            await conn.stream.send_all(data)
            return await read_head(conn.reader)
        except _BROKEN as exc:
            raise ResponseLostError(f"{self.endpoint.url}{path}: {exc}") from exc

    async def request(self, path: str, body: bytes, *, timeout: float) -> Response:
        """POST `body` to `path` and return the whole response.

        Raises `NotSentError` when nothing was sent and `ResponseLostError` when the
        request may have been delivered (including on timeout).
        """
        conn = await self._checkout()
        reusable = False
        try:
            with trio.move_on_after(timeout) as scope:
                head = await self._exchange_head(conn, path, body)
                try:
                    payload = await read_body(conn.reader, head)
                except _BROKEN as exc:
                    raise ResponseLostError(f"{self.endpoint.url}{path}: {exc}") from exc
                reusable = head.keep_alive and (head.chunked or head.content_length is not None)
            if scope.cancelled_caught:
                raise ResponseLostError(
                    f"{self.endpoint.url}{path}: no response within {timeout:g} s"
                )
        finally:
            if reusable:
                await self._checkin(conn)
            else:
                await conn.close()
        return Response(head.status, payload)

    @asynccontextmanager
    async def stream(
        self, path: str, body: bytes, *, timeout: float
    ) -> AsyncIterator[tuple[int, AsyncIterator[bytes]]]:
        """POST `body` and yield (status, body pieces) of a long-lived streamed response.

        The connection is closed (never reused) when the block exits: for etcd's streaming
        endpoints that is what cancels the server-side stream. `timeout` bounds only the wait
        for the response head.
        """
        conn = await self._checkout()
        try:
            with trio.move_on_after(timeout) as scope:
                head = await self._exchange_head(conn, path, body)
            if scope.cancelled_caught:
                raise ResponseLostError(
                    f"{self.endpoint.url}{path}: no response within {timeout:g} s"
                )
            pieces = self._pieces(conn, head, path)
            try:
                yield head.status, pieces
            finally:
                with trio.CancelScope(shield=True):
                    await pieces.aclose()
        finally:
            await conn.close()

    async def _pieces(
        self, conn: _Connection, head: ResponseHead, path: str
    ) -> AsyncGenerator[bytes, None]:
        body = chunks(conn.reader, head)
        try:
            while True:
                try:
                    piece = await anext(body)
                except StopAsyncIteration:
                    return
                except _BROKEN as exc:
                    raise ResponseLostError(f"{self.endpoint.url}{path}: {exc}") from exc
                yield piece
        finally:
            await body.aclose()

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when their request ends."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()


__all__ = [
    "ConnectionPool",
    "Endpoint",
    "NotSentError",
    "Response",
    "ResponseLostError",
    "TransportError",
]
