"""The `Client` interface every component uses to talk to the API server.

Methods take and return the object model's classes (`Pod`, `Deployment`, ...); the class says
which resource is meant. Errors are the API server's `StatusError` subclasses (`NotFound`,
`Conflict`, `AlreadyExists`, `Invalid`, `Expired`, ...) whichever implementation is used:
`HTTPClient` (over the network) and `InProcessClient` (direct calls, for simulations) behave
identically. `raw` is the untyped escape hatch (`RawAPI`: wire dicts by resource).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

from kernel.api.patch_types import MERGE_PATCH
from kernel.api.requests import PropagationPolicy
from kernel.client.raw import RawAPI
from kernel.client.types import ObjectList, Scale, T
from kernel.client.watch import EventStream


@runtime_checkable
class Client(Protocol):
    """Typed access to the Kubernetes API of one server (or one cluster of servers)."""

    raw: RawAPI

    async def create(self, obj: T, *, namespace: str | None = None, dry_run: bool = False) -> T:
        """Create `obj` (its namespace, or `namespace`, or ``default``); returns it as stored."""
        ...

    async def get(self, cls: type[T], name: str, namespace: str = "default") -> T:
        """Read one object; NotFound when absent."""
        ...

    async def list(
        self,
        cls: type[T],
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
        resource_version: str | None = None,
    ) -> ObjectList[T]:
        """One page of objects (all namespaces when `namespace` is None) and its version."""
        ...

    def watch(
        self,
        cls: type[T],
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
        bookmarks: bool = False,
        timeout: float | None = None,
    ) -> AbstractAsyncContextManager[EventStream[T]]:
        """``async with client.watch(Pod, "default") as events: async for ev in events``.

        Without `resource_version` (or with "0") the stream starts with ADDED for every current
        object; with one it replays what happened after it. A compacted version raises
        `Expired` (410) from the iterator: list again and watch from the new version.
        """
        ...

    async def update(self, obj: T, *, dry_run: bool = False) -> T:
        """Replace the object (its status is kept); Conflict if its resourceVersion is stale."""
        ...

    async def update_status(self, obj: T) -> T:
        """Replace the object's status only (spec and metadata are kept)."""
        ...

    async def patch(
        self,
        cls: type[T],
        name: str,
        patch: Any,
        *,
        namespace: str = "default",
        patch_type: str = MERGE_PATCH,
        subresource: str = "",
    ) -> T:
        """Patch an object (or its ``status``) with a merge, JSON or strategic merge patch."""
        ...

    async def delete(
        self,
        cls: type[T],
        name: str,
        namespace: str = "default",
        *,
        grace_period_seconds: int | None = None,
        propagation_policy: PropagationPolicy | None = None,
        uid: str | None = None,
        resource_version: str | None = None,
    ) -> T | None:
        """Delete; returns the object while its deletion is pending (finalizers, grace), else None.

        `uid` and `resource_version` are preconditions (Conflict when they do not match).
        """
        ...

    async def bind(self, pod_name: str, node_name: str, namespace: str = "default") -> None:
        """Assign a pending pod to a node (``pods/binding``); Conflict if already bound."""
        ...

    async def get_scale(self, cls: type[T], name: str, namespace: str = "default") -> Scale:
        """Read a Deployment's or ReplicaSet's Scale."""
        ...

    async def update_scale(
        self,
        cls: type[T],
        name: str,
        replicas: int,
        namespace: str = "default",
        *,
        resource_version: str | None = None,
    ) -> Scale:
        """Set desired replicas through the scale subresource."""
        ...


__all__ = ["Client"]
