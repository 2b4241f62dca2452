"""`InProcessRaw`: the raw API as direct calls into an `APIServer`, no HTTP.

The caller's identity comes from the server's own `Authenticator` applied to the headers the
HTTP client would send, so authentication and authorization answer exactly as over HTTP.
Simulations use this; later the simulated network sits between it and the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from components.apiserver.auth import UserInfo
from components.apiserver.listing import ListOptions
from components.apiserver.server import APIServer
from kernel.api.requests import DeleteOptions, Target
from kernel.client.raw import Obj


class InProcessRaw:
    """Raw verbs on an in-process `APIServer`."""

    def __init__(self, server: APIServer, headers: Mapping[str, str] | None = None) -> None:
        self.server = server
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._user: UserInfo | None = None

    async def user(self) -> UserInfo:
        """Authenticate once (401 if the server's authenticator refuses the headers)."""
        if self._user is None:
            self._user = await self.server.authenticate(self.headers)
        return self._user

    async def create(self, target: Target, body: Obj, *, dry_run: bool = False) -> Obj:
        return await self.server.create(await self.user(), target, body, dry_run=dry_run)

    async def get(self, target: Target) -> Obj:
        return await self.server.get(await self.user(), target)

    async def list(self, target: Target, opts: ListOptions) -> Obj:
        return await self.server.list(await self.user(), target, opts)

    @asynccontextmanager
    async def watch(
        self,
        target: Target,
        opts: ListOptions,
        *,
        bookmarks: bool = False,
        timeout: float | None = None,
    ) -> AsyncIterator[AsyncIterator[Obj]]:
        user = await self.user()
        # shared: served from the server's watch cache while its host runs
        # `server.watch_cache.run` (event objects then shared between watchers: read-only)
        async with self.server.watch(
            user, target, opts, bookmarks=bookmarks, timeout=timeout, shared=True
        ) as events:
            yield _as_dicts(events)

    async def update(self, target: Target, body: Obj, *, dry_run: bool = False) -> Obj:
        return await self.server.update(await self.user(), target, body, dry_run=dry_run)

    async def patch(
        self, target: Target, patch_type: str, patch: Any, *, dry_run: bool = False
    ) -> Obj:
        return await self.server.patch(
            await self.user(), target, patch_type, patch, dry_run=dry_run
        )

    async def delete(self, target: Target, options: DeleteOptions) -> tuple[Obj, bool]:
        return await self.server.delete(await self.user(), target, options)

    async def delete_collection(
        self, target: Target, opts: ListOptions, options: DeleteOptions
    ) -> Obj:
        return await self.server.delete_collection(await self.user(), target, opts, options)


class _as_dicts:  # noqa: N801 - reads as a function at the call site
    """Wire dicts from the server's `ApiEvent`s (an iterator class: no async generator)."""

    def __init__(self, events: Any) -> None:
        self._events = events

    def __aiter__(self) -> _as_dicts:
        return self

    async def __anext__(self) -> Obj:
        event = await self._events.__anext__()
        return event.to_dict()  # type: ignore[no-any-return]


__all__ = ["InProcessRaw"]
