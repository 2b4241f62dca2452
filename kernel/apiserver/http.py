"""The HTTP front end: an ASGI application speaking Kubernetes' REST API over `APIServer`.

Plain ASGI (no framework): the routing is Kubernetes' own path grammar (`routes`), so a router
would add a layer without removing any. Bodies are JSON (415 otherwise; PATCH takes the three
patch types), errors are `Status` objects, and ``?watch=1`` streams newline-delimited
``{"type": ..., "object": ...}`` events until ``timeoutSeconds`` or the client leaves. Any
exception that is not a `StatusError` is a bug: it is logged and answered with a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import attrs
import trio

from kernel.api.errors import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    StatusError,
    TooManyRequests,
    UnsupportedMediaType,
)
from kernel.apiserver import _handlers
from kernel.apiserver.routes import route
from kernel.apiserver.server import APIServer
from kernel.apiserver.wire import JSON, encode_json

log = logging.getLogger("kubelab.apiserver")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY_BYTES = 3 * 1024 * 1024
"""Kubernetes' request size limit (3 MiB); larger bodies get 413."""


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
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as err:
            raise BadRequest(f"the request body is not valid JSON: {err}") from None


@attrs.define
class Responder:
    """Sends one response; remembers whether the start line went out (for error handling)."""

    send: Send
    started: bool = False

    async def start(self, code: int, content_type: str = JSON, length: int | None = None) -> None:
        headers = [
            (b"content-type", content_type.encode()),
            (b"cache-control", b"no-cache, private"),
        ]
        if length is not None:
            headers.append((b"content-length", str(length).encode()))
        self.started = True
        await self.send({"type": "http.response.start", "status": code, "headers": headers})

    async def body(self, data: bytes, *, more: bool = False) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    async def json(self, code: int, obj: Any) -> None:
        data = encode_json(obj)
        await self.start(code, JSON, len(data))
        await self.body(data)

    async def text(self, code: int, text: str) -> None:
        data = text.encode()
        await self.start(code, "text/plain; charset=utf-8", len(data))
        await self.body(data)


async def read_request(scope: Scope, receive: Receive) -> Request:
    """Read the request line, headers and whole body (413 past the size limit)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestEntityTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw_query = scope.get("query_string", b"").decode("latin-1")
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    return Request(
        scope["method"].upper(),
        scope.get("path", "/"),
        parse_qs(raw_query, keep_blank_values=True),
        headers,
        b"".join(chunks),
    )


@attrs.define
class APIApp:
    """The ASGI application; ``hypercorn`` (trio worker) serves it, see `serving`."""

    server: APIServer
    max_requests_inflight: int = 400
    """Kubernetes' ``--max-requests-inflight``: more concurrent non-watch requests get 429."""
    _inflight: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        responder = Responder(send)
        try:
            request = await read_request(scope, receive)
            await self.handle(request, receive, responder)
        except StatusError as err:
            if not responder.started:
                await responder.json(err.code, err.to_status())
        except trio.Cancelled:
            raise
        except Exception as err:
            log.exception("internal error serving %s %s", scope.get("method"), scope.get("path"))
            if not responder.started:
                status = InternalError(f"an internal error occurred: {type(err).__name__}")
                await responder.json(500, status.to_status())

    async def handle(self, request: Request, receive: Receive, responder: Responder) -> None:
        """Serve one request, or 429 when too many are in flight (watches are not counted)."""
        if request.param("watch") in ("1", "true"):
            await self.serve(request, receive, responder)
            return
        if 0 < self.max_requests_inflight <= self._inflight:
            raise TooManyRequests.new()
        self._inflight += 1
        try:
            await self.serve(request, receive, responder)
        finally:
            self._inflight -= 1

    async def serve(self, request: Request, receive: Receive, responder: Responder) -> None:
        """Route, authenticate, then serve one request."""
        where = route(self.server.catalog, request.path)
        user = await self.server.authenticate(request.headers)
        if where.target is None:
            if request.method != "GET":
                raise MethodNotAllowed.new(request.method, request.path)
            await self.server.authorize_path(user, "get", request.path)
            await _handlers.non_resource(self.server, where, request, responder)
            return
        await _handlers.resource(self.server, user, where, request, receive, responder)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


__all__ = [
    "JSON",
    "MAX_BODY_BYTES",
    "APIApp",
    "Request",
    "RequestEntityTooLarge",
    "Responder",
    "encode_json",
    "read_request",
]
