"""Serve an `APIServer` over HTTP/1.1 on trio: keep-alive connections, one write per response.

``await nursery.start(serve_http, server, "127.0.0.1", 0)`` returns the URL once the socket
listens (port 0 picks a free port); cancelling the nursery stops it gracefully: the listener
closes, idle connections and watch streams end at once, requests being served get up to
`GRACE_SECONDS` to finish. `open_http_server` is the same as an async context manager. A port
that is taken raises `AddressInUseError` with the address, so the CLI can say so in one line.

The wire format lives in `h1` and the request handling in `http`; this module only moves
bytes. Why not hypercorn: its h11 state machine and ASGI event round trips took about half of
the server's busy time under load (docs/performance.md, "API server").
"""

from __future__ import annotations

import errno
import logging
import os
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from functools import partial

import attrs
import trio

from components.apiserver.h1 import (
    ProtocolError,
    RequestHead,
    body_length,
    parse_chunk_size,
    parse_head,
    response_head,
)
from components.apiserver.http import (
    APIApp,
    Handler,
    Request,
    RequestEntityTooLarge,
    Responder,
)
from components.apiserver.limits import ServingLimits
from components.apiserver.server import APIServer
from components.apiserver.tls_direct import TlsDirect, tls_direct
from components.apiserver.tls_serving import tls_handshake, tls_listeners
from components.apiserver.wire import JSON, encode_json
from kernel.api.errors import BadRequest, InternalError, StatusError, Timeout

log = logging.getLogger("kubelab.apiserver")

GRACE_SECONDS = 1.0
"""How long a stopping server lets requests in progress finish."""
RECEIVE_BYTES = 65536
_ACCEPT_RETRY = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS})


class AddressInUseError(OSError):
    """The address to listen on is taken by another process."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            errno.EADDRINUSE, f"cannot listen on {host}:{port}: address already in use"
        )
        self.host = host
        self.port = port

    def __str__(self) -> str:
        return str(self.args[1])


DIRECT_BACKLOG_BYTES = 1024 * 1024
"""Bytes a watch may fall behind by before its stream is ended with a 410 "too slow" ERROR
(the client re-lists and re-watches); bounds a stalled watcher's memory."""
WATCH_STALL_SECONDS = 5.0
"""A watch whose unsent bytes make no way out for this long is cut (the connection closes)."""


@attrs.define(eq=False)
class DirectWriter:
    """Writes from synchronous code (a shared watch's fan-out) straight to a socket.

    `write` tries a non-blocking ``os.write`` first, so with N watchers one event costs N
    system calls and no task switches; whatever the socket does not take is kept in order
    and sent by the `flush` task. Only one of the two writes at a time. Over TLS the bytes
    are encrypted at once (`tls_direct`) and the same holds; `pending` then holds records.
    """

    stream: trio.abc.Stream
    limit: int = attrs.field(factory=lambda: DIRECT_BACKLOG_BYTES)
    stall_seconds: float = attrs.field(factory=lambda: WATCH_STALL_SECONDS)
    pending: bytearray = attrs.field(factory=bytearray)
    failed: bool = False
    """The connection is broken or stalled: nothing more goes out (close it)."""
    behind: bool = False
    """`limit` was reached: only `last` is taken now."""
    _fd: int = attrs.field(init=False)
    _tls: TlsDirect | None = attrs.field(init=False, default=None)
    _flushing: bool = False
    _closing: bool = False
    _wake: trio.Event = attrs.field(factory=trio.Event)
    _done: trio.Event = attrs.field(factory=trio.Event)

    def __attrs_post_init__(self) -> None:
        plain = isinstance(self.stream, trio.SocketStream)
        self._fd = self.stream.socket.fileno() if plain else -1
        self._tls = tls_direct(self.stream)
        if self._tls is not None:
            self._fd = self._tls.fd

    def write(self, data: bytes) -> bool:
        """Queue `data` in order; False when the connection is broken or too far behind."""
        if self.failed or self.behind:
            return False
        if self._tls is not None:
            if len(self.pending) + len(data) > self.limit:
                self.behind = True  # decided before sealing: a sealed record must go out
                return False
            try:
                data = self._tls.seal(data)
            except ssl.SSLError:
                self.failed = True
                self._wake.set()
                return False
        idle = self._tls is None or self._tls.idle()
        if self._fd >= 0 and not self.pending and not self._flushing and idle:
            try:
                sent = os.write(self._fd, data)
            except BlockingIOError:
                sent = 0
            except OSError:
                self.failed = True
                self._wake.set()
                return False
            if sent == len(data):
                return True
            if sent:  # a chunk begun on the wire must be finished, whatever the limit
                self.pending += data[sent:]
                self._wake.set()
                return True
        if self._tls is None and len(self.pending) + len(data) > self.limit:
            self.behind = True
            return False
        self.pending += data
        self._wake.set()
        return True

    def last(self, data: bytes) -> None:
        """Queue the stream's closing bytes (an ERROR, the last chunk), past `limit` if need be."""
        if self.failed:
            return
        behind, self.behind = self.behind, False
        limit, self.limit = self.limit, max(self.limit, len(self.pending) + len(data))
        if not self.write(data) and not self.failed:
            self.pending += data
            self._wake.set()
        self.behind, self.limit = behind, limit

    async def flush(self) -> None:
        """Send what `write` could not, until `finish` (run it beside the writer)."""
        try:
            while True:
                await self._wake.wait()
                self._wake = trio.Event()
                while self.pending and not self.failed:
                    self._flushing = True
                    data = bytes(self.pending)
                    self.pending.clear()
                    with trio.move_on_after(self.stall_seconds) as stall:
                        try:
                            if self._tls is not None:
                                await self._tls.send(data)
                            else:
                                await self.stream.send_all(data)
                        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
                            self.failed = True
                    if stall.cancelled_caught:
                        self.failed = True  # the client stopped reading: give up on it
                self._flushing = False
                if self._closing or self.failed:
                    return
        finally:
            self._done.set()

    async def finish(self) -> None:
        """Wait until everything written so far has been sent (`flush` then ends)."""
        self._closing = True
        self._wake.set()
        await self._done.wait()


@attrs.define(eq=False)
class _Connection:
    """One client connection: its receive buffer and how a shutdown may treat it."""

    stream: trio.abc.Stream
    scope: trio.CancelScope = attrs.field(factory=lambda: trio.CancelScope(shield=True))
    """Shielded from the server's own cancellation, so a shutdown can be graceful."""
    buffer: bytearray = attrs.field(factory=bytearray)
    busy: bool = False
    """Serving a request (not waiting for one)."""
    streaming: bool = False
    """Serving a watch (ends at once on shutdown)."""
    limits: ServingLimits = attrs.field(factory=ServingLimits)
    peer: dict[str, str] = attrs.field(factory=dict)
    """The verified client certificate's identity, as `tls_serving.PEER_HEADERS`."""

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    def direct_writer(self) -> DirectWriter:
        return DirectWriter(self.stream)

    async def wait_closed(self) -> None:
        """Read (and keep) whatever comes until the client closes its side."""
        while len(self.buffer) <= self.limits.max_head_bytes and await self._fill():
            pass
        if len(self.buffer) > self.limits.max_head_bytes:
            await trio.sleep_forever()  # a client pipelining this much is not a watcher

    async def _fill(self) -> bool:
        data = await self.stream.receive_some(RECEIVE_BYTES)
        if not data:
            return False
        self.buffer += data
        return True

    async def wait_request(self) -> bool:
        """Wait for the next request's first byte; False when the client closed first."""
        return bool(self.buffer) or await self._fill()

    async def read_head(self) -> RequestHead | None:
        """The next request's head; None when the client closed between requests."""
        while True:
            while self.buffer[:2] == b"\r\n":  # stray CRLFs between requests are allowed
                del self.buffer[:2]
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(self.buffer) > self.limits.max_head_bytes:
                raise ProtocolError(431, "the request head is too large")
            if not await self._fill():
                if self.buffer:
                    raise ProtocolError(400, "the connection closed inside a request head")
                return None
        if end > self.limits.max_head_bytes:
            raise ProtocolError(431, "the request head is too large")
        data = bytes(self.buffer[:end])
        del self.buffer[: end + 4]
        return parse_head(data)

    async def read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not await self._fill():
                raise ProtocolError(400, "the connection closed inside a request body")
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    async def read_line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > self.limits.max_head_bytes:
                raise ProtocolError(400, "a chunk line is too long")
            if not await self._fill():
                raise ProtocolError(400, "the connection closed inside a request body")
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    async def read_body(self, head: RequestHead) -> bytes:
        size = body_length(head, self.limits.max_body_bytes)
        if size is not None:
            return await self.read_exact(size) if size else b""
        parts: list[bytes] = []
        total = 0
        while (size := parse_chunk_size(await self.read_line())) > 0:
            total += size
            if total > self.limits.max_body_bytes:
                limit = self.limits.max_body_bytes
                raise ProtocolError(413, f"the request body is larger than {limit} bytes")
            parts.append(await self.read_exact(size))
            if await self.read_line():
                raise ProtocolError(400, "a chunk of a chunked body is longer than its size")
        while await self.read_line():  # trailers, ignored
            pass
        return b"".join(parts)


@attrs.define(eq=False)
class HTTPServer:
    """Accepts connections and runs `handler` for each request on them."""

    handler: Handler
    limits: ServingLimits = attrs.field(factory=ServingLimits)
    grace_seconds: float = GRACE_SECONDS
    _connections: set[_Connection] = attrs.field(factory=set)
    _at_limit: bool = False
    """Whether the connection limit was reached and said so (logged once until it eases)."""
    _draining: bool = False
    _idle: trio.Event = attrs.field(factory=trio.Event)

    async def serve(
        self,
        listeners: Sequence[trio.abc.Listener[trio.abc.Stream]],
        task_status: trio.TaskStatus[None],
    ) -> None:
        """Serve until cancelled, then shut down gracefully (see the module docstring)."""
        async with trio.open_nursery() as nursery:
            for listener in listeners:
                nursery.start_soon(self._accept, listener, nursery)
            task_status.started()
            try:
                await trio.sleep_forever()
            finally:
                with trio.CancelScope(shield=True):
                    for listener in listeners:
                        await listener.aclose()
                    await self._drain()

    async def _drain(self) -> None:
        self._draining = True
        for conn in list(self._connections):
            if conn.streaming or not conn.busy:
                conn.scope.cancel()
        if self._connections:
            with trio.move_on_after(self.grace_seconds):
                await self._idle.wait()
        for conn in list(self._connections):
            conn.scope.cancel()

    async def _accept(
        self, listener: trio.abc.Listener[trio.abc.Stream], nursery: trio.Nursery
    ) -> None:
        while True:
            try:
                stream = await listener.accept()
            except OSError as err:
                if err.errno not in _ACCEPT_RETRY:
                    raise
                log.warning("accept failed (%s); retrying", err)
                await trio.sleep(0.1)
                continue
            if len(self._connections) >= self.limits.max_connections:
                if not self._refuse_connection(stream):  # no socket (an Env.net stream)
                    nursery.start_soon(trio.aclose_forcefully, stream)
                continue
            self._at_limit = False
            nursery.start_soon(self._connection, stream)

    def _refuse_connection(self, stream: trio.abc.Stream) -> bool:
        """Close a connection past the limit at once (no task, no read): the client sees EOF.

        False when the stream has no socket to close (the caller closes it then).
        """
        if not self._at_limit:
            self._at_limit = True
            log.warning(
                "connection limit reached (%d open, --max-connections); closing new connections",
                len(self._connections),
            )
        raw = stream.transport_stream if isinstance(stream, trio.SSLStream) else stream
        sock = getattr(raw, "socket", None)
        if sock is None:
            return False
        with suppress(OSError):
            sock.close()
        return True

    async def _connection(self, stream: trio.abc.Stream) -> None:
        conn = _Connection(stream, limits=self.limits)
        self._connections.add(conn)
        try:
            with conn.scope:
                peer = await tls_handshake(stream)
                if peer is not None:
                    conn.peer = peer
                    await self._requests(conn)
        finally:
            self._connections.discard(conn)
            if self._draining and not self._connections:
                self._idle.set()
            await trio.aclose_forcefully(stream)

    async def _requests(self, conn: _Connection) -> None:
        responder: Responder | None = None
        try:
            while not self._draining:
                conn.busy = False
                arrived = False
                with trio.move_on_after(self.limits.idle_timeout):
                    arrived = await conn.wait_request()
                if not arrived:
                    return
                head = await self._read_head(conn)
                if head is None:
                    return
                conn.busy = True
                responder = None
                responder = await self._one(conn, head)
                if not responder.keep_alive:
                    return
        except ProtocolError as err:
            if responder is None or not responder.started:
                await _refuse(conn, err)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return
        except Exception as err:
            log.error("internal error on a connection, closing it: %r", err)  # noqa: TRY400 - one line
            if responder is None or not responder.started:
                await _refuse(
                    conn, ProtocolError(500, f"an internal error occurred: {type(err).__name__}")
                )

    async def _read_head(self, conn: _Connection) -> RequestHead | None:
        """The next head, which must arrive within `read_header_timeout` once begun."""
        head = None
        with trio.move_on_after(self.limits.read_header_timeout) as timer:
            head = await conn.read_head()
        if timer.cancelled_caught:
            raise ProtocolError(408, "the request head did not arrive in time")
        return head

    async def _one(self, conn: _Connection, head: RequestHead) -> Responder:
        if head.headers.get("expect", "").lower() == "100-continue":
            await conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = b""
        with trio.move_on_after(self.limits.request_timeout) as timer:
            body = await conn.read_body(head)
        if timer.cancelled_caught:
            raise ProtocolError(408, "the request body did not arrive in time (--request-timeout)")
        method = "GET" if head.method == "HEAD" else head.method
        headers = {**head.headers, **conn.peer} if conn.peer else head.headers
        request = Request.parse(method, head.path, head.query, headers, body)
        responder = Responder(
            conn,
            keep_alive=head.keep_alive and not self._draining,
            chunked=head.version == "1.1",
            head_only=head.method == "HEAD",
        )
        conn.streaming = request.param("watch") in ("1", "true")
        try:
            await self.handler(request, responder)
        finally:
            conn.streaming = False
        return responder


async def _refuse(conn: _Connection, err: ProtocolError) -> None:
    """Answer a request that could not be read (a Status body), then the connection closes."""
    error: StatusError
    if err.code == 400:
        error = BadRequest(err.message)
    elif err.code == 413:
        error = RequestEntityTooLarge(err.message)
    elif err.code == 408:
        error = Timeout(err.message, code=408)
    elif err.code == 500:
        error = InternalError(err.message)
    else:
        error = StatusError(err.message, code=err.code)
    data = encode_json(error.to_status())
    head = response_head(err.code, [("content-type", JSON)], length=len(data), keep_alive=False)
    with suppress(trio.BrokenResourceError, trio.ClosedResourceError), trio.move_on_after(1):
        await conn.send(head + data)  # bounded: a client that does not read gets the close


async def serve_http(
    server: APIServer,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_requests_inflight: int = 400,
    limits: ServingLimits | None = None,
    ssl_context: ssl.SSLContext | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve until cancelled; reports ``http(s)://host:port`` through `task_status`.

    With `ssl_context` the server speaks HTTPS only (see `tls_serving`).
    """
    try:
        listeners = await trio.open_tcp_listeners(port, host=host)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise AddressInUseError(host, port) from None
        raise
    bound_host, bound_port = listeners[0].socket.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    http = HTTPServer(APIApp(server, max_requests_inflight), limits or ServingLimits())
    served = tls_listeners(listeners, ssl_context) if ssl_context else listeners
    async with trio.open_nursery() as nursery:
        await nursery.start(server.watch_cache.run)
        await nursery.start(http.serve, served)
        task_status.started(f"{'https' if ssl_context else 'http'}://{shown}:{bound_port}")


@asynccontextmanager
async def open_http_server(
    server: APIServer,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_requests_inflight: int = 400,
    limits: ServingLimits | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[str]:
    """Run the HTTP(S) front end for the block; yields its URL."""
    async with trio.open_nursery() as nursery:
        serve = partial(
            serve_http,
            max_requests_inflight=max_requests_inflight,
            limits=limits,
            ssl_context=ssl_context,
        )
        url = await nursery.start(serve, server, host, port)
        try:
            yield url
        finally:
            nursery.cancel_scope.cancel()


__all__ = [
    "GRACE_SECONDS",
    "AddressInUseError",
    "DirectWriter",
    "HTTPServer",
    "open_http_server",
    "serve_http",
]
