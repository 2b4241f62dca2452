"""The HTTP front end: Kubernetes' REST API over `APIServer`, independent of the socket layer.

`APIApp` takes one parsed `Request` and answers through a `Responder`; the connection loop in
`serving` reads requests off keep-alive connections and hands them here. Routing is
Kubernetes' own path grammar (`routes`). Bodies are JSON (415 otherwise; PATCH takes the three
patch types), errors are `Status` objects, and ``?watch=1`` streams newline-delimited
``{"type": ..., "object": ...}`` events (chunked) until ``timeoutSeconds`` or the client
leaves. Every complete response goes out in one write. Any exception that is not a
`StatusError` is a bug: it is logged and answered with a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import parse_qs

import attrs
import trio

from components.apiserver import _handlers
from components.apiserver.h1 import chunk, response_head
from components.apiserver.json_input import loads_untrusted
from components.apiserver.routes import route
from components.apiserver.server import APIServer
from components.apiserver.wire import JSON, encode_json
from kernel.api.errors import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    StatusError,
    TooManyRequests,
    UnsupportedMediaType,
)

log = logging.getLogger("kubelab.apiserver")

MAX_BODY_BYTES = 3 * 1024 * 1024
"""Kubernetes' request size limit (3 MiB); larger bodies get 413."""

_COMMON_HEADERS = (("cache-control", "no-cache, private"),)


class RequestEntityTooLarge(StatusError):  # noqa: N818 - named after the Status reason
    """413: the body is larger than the server accepts."""

    reason = "RequestEntityTooLarge"
    code = 413


@attrs.define
class Request:
    """One HTTP request, read whole (bodies are small JSON documents)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @classmethod
    def parse(
        cls, method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes
    ) -> Request:
        """A request from its parts; `raw_query` is the undecoded query string."""
        query = parse_qs(raw_query, keep_blank_values=True) if raw_query else {}
        return cls(method.upper(), path, query, headers, body)

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, or None."""
        values = self.query.get(name)
        return values[-1] if values else None

    def content_type(self) -> str:
        """The media type without parameters, lower-case (``application/json``)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self, *, allowed: tuple[str, ...] = (JSON,), required: bool = True) -> Any:
        """The body as JSON; 415 for another content type, 400 for malformed JSON.

        A body without a Content-Type is read as the first allowed type, as Kubernetes does.
        """
        if not self.body.strip():
            if required:
                raise BadRequest("the request body is empty; a JSON object was expected")
            return None
        media = self.content_type() or allowed[0]  # no Content-Type: JSON, as Kubernetes does
        if media not in allowed:
            raise UnsupportedMediaType.new(media)
        return loads_untrusted(self.body)


class Wire(Protocol):
    """The connection a `Responder` writes to."""

    async def send(self, data: bytes) -> None:
        """Write all of `data`."""

    async def wait_closed(self) -> None:
        """Return once the client has closed its side (for streaming responses)."""


class DirectSink(Protocol):
    """Bytes written from synchronous code, sent in order by a `flush` task (`serving`)."""

    failed: bool
    behind: bool
    """`write` refused bytes for being too far behind (a slow client)."""

    def write(self, data: bytes) -> bool:
        """Queue `data`; False when the connection cannot take more."""

    def last(self, data: bytes) -> None:
        """Queue the stream's closing bytes even past the limit `write` keeps."""

    async def flush(self) -> None:
        """Send what `write` queued, until `finish`."""

    async def finish(self) -> None:
        """Wait until all queued bytes are sent."""


@attrs.define
class Responder:
    """Writes one response to a `Wire`: whole (one write) or streamed in chunks."""

    wire: Wire
    keep_alive: bool = True
    """Whether the connection stays open after this response (cleared for HTTP/1.0 streams)."""
    chunked: bool = True
    """Whether the client speaks chunked framing (HTTP/1.1); else streams end the connection."""
    head_only: bool = False
    """A HEAD request: the head goes out, the body does not."""
    started: bool = False
    _streaming: bool = False

    async def complete(
        self, code: int, content_type: str, data: bytes, extra: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """Send a whole response (head and body in one write); `extra` adds headers."""
        self.started = True
        head = response_head(
            code,
            (("content-type", content_type), *_COMMON_HEADERS, *extra),
            length=len(data),
            keep_alive=self.keep_alive,
        )
        await self.wire.send(head if self.head_only else head + data)

    async def json(self, code: int, obj: Any) -> None:
        await self.complete(code, JSON, encode_json(obj))

    async def text(self, code: int, text: str) -> None:
        await self.complete(code, "text/plain; charset=utf-8", text.encode())

    async def start(self, code: int, content_type: str = JSON) -> None:
        """Start a streamed response (chunked on HTTP/1.1, until close on HTTP/1.0)."""
        self.started = True
        self._streaming = True
        if not self.chunked:
            self.keep_alive = False
        head = response_head(
            code,
            (("content-type", content_type), *_COMMON_HEADERS),
            length=None,
            keep_alive=self.keep_alive,
            chunked=self.chunked,
        )
        await self.wire.send(head)

    async def body(self, data: bytes, *, more: bool = False) -> None:
        """Stream part of the body; ``more=False`` ends it."""
        if self.head_only:
            return
        if not self.chunked:
            if data:
                await self.wire.send(data)
            return
        if more:
            if data:
                await self.wire.send(chunk(data))
            return
        await self.wire.send(chunk(data) + chunk(b"") if data else chunk(b""))

    def direct(self) -> DirectSink | None:
        """A writer for a chunked stream that synchronous code may call, if the wire has one."""
        if not self.chunked or self.head_only:
            return None
        make = getattr(self.wire, "direct_writer", None)
        return make() if make is not None else None

    async def wait_disconnect(self) -> None:
        """Return when the client goes away (a watch ends then)."""
        await self.wire.wait_closed()


async def _send_status(responder: Responder, err: StatusError) -> None:
    """A Status error; like Kubernetes, `retryAfterSeconds` is also sent as ``Retry-After``."""
    status = err.to_status()
    retry = (status.get("details") or {}).get("retryAfterSeconds")
    extra = (("retry-after", str(retry)),) if retry else ()
    await responder.complete(err.code, JSON, encode_json(status), extra)


@attrs.define
class APIApp:
    """Serves one request at a time per call; `serving` drives it from its connections."""

    server: APIServer
    max_requests_inflight: int = 400
    """Kubernetes' ``--max-requests-inflight``: more concurrent non-watch requests get 429."""
    _inflight: int = 0

    async def __call__(self, request: Request, responder: Responder) -> None:
        try:
            await self.handle(request, responder)
        except StatusError as err:
            if not responder.started:
                await _send_status(responder, err)
        except (trio.Cancelled, trio.BrokenResourceError, trio.ClosedResourceError):
            raise
        except Exception as err:
            log.exception("internal error serving %s %s", request.method, request.path)
            if not responder.started:
                status = InternalError(f"an internal error occurred: {type(err).__name__}")
                await responder.json(500, status.to_status())

    async def handle(self, request: Request, responder: Responder) -> None:
        """Serve one request, or 429 when too many are in flight (watches are not counted)."""
        if request.param("watch") in ("1", "true"):
            await self.serve(request, responder)
            return
        if 0 < self.max_requests_inflight <= self._inflight:
            raise TooManyRequests.new()
        self._inflight += 1
        try:
            await self.serve(request, responder)
        finally:
            self._inflight -= 1

    async def serve(self, request: Request, responder: Responder) -> None:
        """Route, authenticate, then serve one request."""
        where = route(self.server.catalog, request.path)
        user = await self.server.authenticate(request.headers)
        if where.target is None:
            if request.method != "GET":
                raise MethodNotAllowed.new(request.method, request.path)
            await self.server.authorize_path(user, "get", request.path)
            await _handlers.non_resource(self.server, where, request, responder)
            return
        await _handlers.resource(self.server, user, where, request, responder)


Handler = Callable[[Request, Responder], Awaitable[None]]
"""What the connection loop calls per request (an `APIApp`)."""


__all__ = [
    "JSON",
    "MAX_BODY_BYTES",
    "APIApp",
    "DirectSink",
    "Handler",
    "Request",
    "RequestEntityTooLarge",
    "Responder",
    "Wire",
    "encode_json",
]
