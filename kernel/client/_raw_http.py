"""`HTTPRaw`: the raw API over HTTP with httpx (which runs under trio through anyio).

Status objects in error responses become the same `StatusError` subclasses the server raised;
a watch's ERROR event raises from the iterator; transport failures are `APIConnectionError`
(definite when the connection was never made).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx

from kernel.api.errors import StatusError
from kernel.api.requests import DeleteOptions, ListOptions, Target
from kernel.client.raw import Obj, delete_options_body, list_params
from kernel.client.types import APIConnectionError

JSON = "application/json"


def path_for(target: Target) -> str:
    """The REST path of a target: ``/api/v1/namespaces/default/pods/web/status``."""
    info = target.resource
    parts = [info.api_path]
    if info.namespaced and target.namespace:
        parts.append(f"namespaces/{quote(target.namespace, safe='')}")
    parts.append(info.plural)
    if target.name:
        parts.append(quote(target.name, safe=""))
    if target.subresource:
        parts.append(target.subresource)
    return "/".join(parts)


def _error(response: httpx.Response, body: bytes) -> StatusError:
    try:
        status = json.loads(body)
    except ValueError:
        status = None
    if not isinstance(status, dict) or status.get("kind") != "Status":
        text = body.decode("utf-8", "replace").strip()[:200]
        status = {
            "code": response.status_code,
            "message": text or f"the server answered {response.status_code}",
        }
    return StatusError.from_status(status, response.status_code)


def _transport_error(err: httpx.TransportError) -> APIConnectionError:
    definite = isinstance(err, httpx.ConnectError | httpx.ConnectTimeout)
    return APIConnectionError(
        f"cannot reach the API server: {err or type(err).__name__}", definite=definite
    )


class HTTPRaw:
    """Raw verbs against an API server URL, through one pooled httpx client."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content_type: str = JSON,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Obj]:
        content = None if body is None else json.dumps(body).encode()
        headers = {"content-type": content_type} if content is not None else {}
        try:
            response = await self.http.request(
                method, path, content=content, params=params, headers=headers
            )
        except httpx.TransportError as err:
            raise _transport_error(err) from None
        if response.status_code >= 400:
            raise _error(response, response.content)
        return response.status_code, response.json()

    async def create(self, target: Target, body: Obj, *, dry_run: bool = False) -> Obj:
        params = {"dryRun": "All"} if dry_run else None
        return (await self._send("POST", path_for(target), body=body, params=params))[1]

    async def get(self, target: Target) -> Obj:
        return (await self._send("GET", path_for(target)))[1]

    async def list(self, target: Target, opts: ListOptions) -> Obj:
        return (await self._send("GET", path_for(target), params=list_params(opts)))[1]

    @asynccontextmanager
    async def watch(
        self,
        target: Target,
        opts: ListOptions,
        *,
        bookmarks: bool = False,
        timeout: float | None = None,
    ) -> AsyncIterator[AsyncIterator[Obj]]:
        params = {**list_params(opts), "watch": "true"}
        if bookmarks:
            params["allowWatchBookmarks"] = "true"
        if timeout:
            params["timeoutSeconds"] = str(max(1, int(timeout)))
        no_read_timeout = httpx.Timeout(10.0, read=None)
        try:
            async with self.http.stream(
                "GET", path_for(target), params=params, timeout=no_read_timeout
            ) as response:
                if response.status_code >= 400:
                    raise _error(response, await response.aread())
                yield _Lines(response.aiter_lines())
        except httpx.TransportError as err:
            raise _transport_error(err) from None

    async def update(self, target: Target, body: Obj, *, dry_run: bool = False) -> Obj:
        params = {"dryRun": "All"} if dry_run else None
        return (await self._send("PUT", path_for(target), body=body, params=params))[1]

    async def patch(
        self, target: Target, patch_type: str, patch: Any, *, dry_run: bool = False
    ) -> Obj:
        params = {"dryRun": "All"} if dry_run else None
        return (
            await self._send(
                "PATCH", path_for(target), body=patch, content_type=patch_type, params=params
            )
        )[1]

    async def delete(self, target: Target, options: DeleteOptions) -> tuple[Obj, bool]:
        code, body = await self._send("DELETE", path_for(target), body=delete_options_body(options))
        return body, code != 202

    async def delete_collection(
        self, target: Target, opts: ListOptions, options: DeleteOptions
    ) -> Obj:
        return (
            await self._send(
                "DELETE",
                path_for(target),
                body=delete_options_body(options),
                params=list_params(opts),
            )
        )[1]


class _Lines:
    """Watch events from the response's lines; an ERROR event raises its StatusError."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> Obj:
        while True:
            try:
                line = await self._lines.__anext__()
            except httpx.TransportError as err:
                raise _transport_error(err) from None
            if not line.strip():
                continue
            event = json.loads(line)
            if event.get("type") == "ERROR":
                raise StatusError.from_status(event.get("object") or {})
            return event  # type: ignore[no-any-return]


__all__ = ["HTTPRaw", "path_for"]
