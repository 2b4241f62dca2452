"""HTTP verbs to `APIServer` calls: query parameters in, status codes and bodies out."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

import trio

from components.apiserver.auth import UserInfo
from components.apiserver.discovery import (
    VERSION_INFO,
    api_group,
    api_group_list,
    api_resource_list,
    api_versions,
)
from components.apiserver.h1 import chunk
from components.apiserver.listing import ListOptions
from components.apiserver.patch import PATCH_TYPES
from components.apiserver.routes import Route
from components.apiserver.server import APIServer
from components.apiserver.wire import encode_json
from kernel.api.errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    StatusError,
    UnsupportedMediaType,
)
from kernel.api.requests import DeleteOptions, Target, parse_dry_run

if TYPE_CHECKING:
    from components.apiserver.http import Request, Responder

TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False", ""})
READY_TIMEOUT = 2.0
"""Seconds /readyz waits for the store before reporting not ready."""


def flag(request: Request, name: str) -> bool:
    """A boolean query parameter (Go's ParseBool spellings); 400 for anything else."""
    value = request.param(name)
    if value is None or value in FALSE:
        return False
    if value in TRUE:
        return True
    raise BadRequest(f"invalid value {value!r} for query parameter {name}: must be true or false")


MAX_INT64 = 2**63 - 1


def integer(request: Request, name: str) -> int | None:
    """A non-negative int64 query parameter; 400 when malformed or out of range."""
    value = request.param(name)
    if value in (None, ""):
        return None
    assert value is not None
    shown = value[:40] + ("..." if len(value) > 40 else "")
    if not (value.isascii() and value.lstrip("-").isdigit()) or len(value) > 20:
        raise BadRequest(f"invalid value {shown!r} for query parameter {name}: must be an integer")
    out = int(value)
    if out < 0:
        raise BadRequest(
            f"invalid value {shown!r} for query parameter {name}: must not be negative"
        )
    if out > MAX_INT64:
        raise BadRequest(f"invalid value {shown!r} for query parameter {name}: out of range")
    return out


def list_options(request: Request) -> ListOptions:
    """ListOptions from the query string."""
    return ListOptions(
        label_selector=request.param("labelSelector") or "",
        field_selector=request.param("fieldSelector") or "",
        resource_version=request.param("resourceVersion"),
        resource_version_match=request.param("resourceVersionMatch") or "",
        limit=integer(request, "limit") or 0,
        continue_token=request.param("continue") or "",
    )


def dry_run(request: Request) -> bool:
    """``?dryRun=All``."""
    return parse_dry_run(request.query.get("dryRun"))


async def non_resource(
    server: APIServer,
    where: Route,
    request: Request,  # noqa: ARG001 - one signature for every handler
    responder: Responder,
) -> None:
    """Discovery documents, /version and health checks."""
    if where.kind == "health":
        if where.path.startswith("/readyz"):
            await _check_store(server)
        await responder.text(200, "ok")
        return
    docs: dict[str, Any] = {
        "version": lambda: VERSION_INFO,
        "api": api_versions,
        "apis": lambda: api_group_list(server.catalog),
        "group": lambda: api_group(server.catalog, where.group),
        "discovery": lambda: api_resource_list(server.catalog, where.group, where.version),
    }
    doc = docs[where.kind]()
    if doc is None:
        raise NotFound.path()
    await responder.json(200, doc)


async def _check_store(server: APIServer) -> None:
    with trio.move_on_after(READY_TIMEOUT):
        await server.storage.revision()
        return
    raise ServiceUnavailable(
        f"not ready: the store did not answer within {READY_TIMEOUT:g} seconds"
    )


async def resource(
    server: APIServer,
    user: UserInfo,
    where: Route,
    request: Request,
    responder: Responder,
) -> None:
    """Serve a request on a collection, an object or a subresource."""
    target = where.target
    assert target is not None
    method = request.method
    if where.kind == "bindings":
        await _bindings(server, user, target, request, responder)
    elif method == "GET" and where.kind == "resources":
        if flag(request, "watch"):
            await _watch(server, user, target, request, responder)
        else:
            await responder.json(200, await server.list(user, target, list_options(request)))
    elif method == "GET":
        await responder.json(200, await server.get(user, target))
    elif method == "POST":
        body = request.json()
        code = 201
        await responder.json(
            code, await server.create(user, target, body, dry_run=dry_run(request))
        )
    elif method == "PUT" and where.kind == "object":
        await responder.json(
            200, await server.update(user, target, request.json(), dry_run=dry_run(request))
        )
    elif method == "PATCH" and where.kind == "object":
        await _patch(server, user, target, request, responder)
    elif method == "DELETE":
        await _delete(server, user, where, request, responder)
    else:
        raise MethodNotAllowed.new(method, request.path)


async def _patch(
    server: APIServer, user: UserInfo, target: Target, request: Request, responder: Responder
) -> None:
    patch_type = request.content_type()
    if patch_type not in PATCH_TYPES:
        raise UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types "
            f"include: {', '.join(PATCH_TYPES)} (got {patch_type!r})"
        )
    body = request.json(allowed=PATCH_TYPES)
    await responder.json(
        200, await server.patch(user, target, patch_type, body, dry_run=dry_run(request))
    )


async def _delete(
    server: APIServer, user: UserInfo, where: Route, request: Request, responder: Responder
) -> None:
    target = where.target
    assert target is not None
    body = request.json(required=False)
    flat = {k: v[-1] for k, v in request.query.items() if v}
    options = DeleteOptions.from_wire(body, flat)
    if where.kind == "resources":
        result = await server.delete_collection(user, target, list_options(request), options)
        await responder.json(200, result)
        return
    result, gone = await server.delete(user, target, options)
    await responder.json(200 if gone else 202, result)


async def _bindings(
    server: APIServer, user: UserInfo, target: Target, request: Request, responder: Responder
) -> None:
    """``POST /api/v1/namespaces/<ns>/bindings``: a Binding naming the pod in its metadata."""
    if request.method != "POST":
        raise MethodNotAllowed.new(request.method, request.path)
    body = request.json()
    name = (body.get("metadata") or {}).get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        raise BadRequest("a Binding needs metadata.name: the name of the pod to bind")
    pod = Target(target.resource, target.namespace, name, "binding")
    await responder.json(201, await server.create(user, pod, body, dry_run=dry_run(request)))


async def _watch(
    server: APIServer, user: UserInfo, target: Target, request: Request, responder: Responder
) -> None:
    timeout = integer(request, "timeoutSeconds")
    bookmarks = flag(request, "allowWatchBookmarks")
    async with server.watch(
        user,
        target,
        list_options(request),
        bookmarks=bookmarks,
        timeout=float(timeout) if timeout else None,
        shared=True,
    ) as events:
        await responder.start(200)
        gone = trio.Event()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_until_disconnect, responder, nursery.cancel_scope, gone)
            writer = responder.direct()
            if writer is not None and events.attach(lambda event: writer.write(event.chunk())):
                # a shared watch writes each event to the socket itself: no task per event
                nursery.start_soon(writer.flush)
                try:
                    await events.run_attached()
                except StatusError as err:
                    # e.g. 410 "too slow": the ERROR and the last chunk go out past the bound
                    writer.last(chunk(_error_line(err)) + chunk(b""))
                    gone.set()  # the last chunk is queued already
                    if writer.behind:  # cut off for being too slow: it starts afresh
                        responder.keep_alive = False
                await writer.finish()
                if writer.failed:  # the client is gone or stalled: no last chunk, hang up
                    gone.set()
                    responder.keep_alive = False
            else:
                try:
                    async for event in events:
                        await responder.body(event.line(), more=True)
                except StatusError as err:
                    await responder.body(_error_line(err), more=True)
            nursery.cancel_scope.cancel()
    if not gone.is_set():
        await responder.body(b"")


def _error_line(err: StatusError) -> bytes:
    return encode_json({"type": "ERROR", "object": err.to_status()}) + b"\n"


async def _until_disconnect(
    responder: Responder, scope: trio.CancelScope, gone: trio.Event
) -> None:
    with suppress(trio.BrokenResourceError):  # a reset is a disconnect too
        await responder.wait_disconnect()
    gone.set()
    scope.cancel()


__all__ = ["dry_run", "flag", "integer", "list_options", "non_resource", "resource"]
