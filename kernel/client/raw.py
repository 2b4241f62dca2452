"""The untyped API: wire dicts in and out, one method per verb. Both clients implement it.

`Client` (typed) is built on top of a `RawAPI`; use it directly when you need fields the
object model does not have, or to talk about objects by resource rather than by class.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

from kernel.api.requests import DeleteOptions, ListOptions, Target

Obj = dict[str, Any]


@runtime_checkable
class RawAPI(Protocol):
    """Kubernetes verbs on wire dicts; failures are `StatusError`s (or APIConnectionError)."""

    async def create(self, target: Target, body: Obj, *, dry_run: bool = False) -> Obj:
        """POST to a collection (or to ``pods/<name>/binding``)."""
        ...

    async def get(self, target: Target) -> Obj:
        """GET one object, or its status or scale."""
        ...

    async def list(self, target: Target, opts: ListOptions) -> Obj:
        """GET a collection: a ``<Kind>List`` dict."""
        ...

    def watch(
        self,
        target: Target,
        opts: ListOptions,
        *,
        bookmarks: bool = False,
        timeout: float | None = None,
    ) -> AbstractAsyncContextManager[AsyncIterator[Obj]]:
        """Watch a collection: ``{"type", "object"}`` dicts; an ERROR event raises."""
        ...

    async def update(self, target: Target, body: Obj, *, dry_run: bool = False) -> Obj:
        """PUT an object, its status, scale or finalizers."""
        ...

    async def patch(
        self, target: Target, patch_type: str, patch: Any, *, dry_run: bool = False
    ) -> Obj:
        """PATCH with a merge, JSON or strategic merge patch."""
        ...

    async def delete(self, target: Target, options: DeleteOptions) -> tuple[Obj, bool]:
        """DELETE: (response body, whether the object is gone now)."""
        ...

    async def delete_collection(
        self, target: Target, opts: ListOptions, options: DeleteOptions
    ) -> Obj:
        """DELETE a collection: the list of deleted objects."""
        ...


def delete_options_body(options: DeleteOptions) -> Obj:
    """DeleteOptions as the JSON body of a DELETE."""
    body: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
    if options.grace_period_seconds is not None:
        body["gracePeriodSeconds"] = options.grace_period_seconds
    if options.propagation_policy is not None:
        body["propagationPolicy"] = options.propagation_policy
    if options.orphan_dependents is not None:
        body["orphanDependents"] = options.orphan_dependents
    pre = {}
    if options.precondition_uid is not None:
        pre["uid"] = options.precondition_uid
    if options.precondition_resource_version is not None:
        pre["resourceVersion"] = options.precondition_resource_version
    if pre:
        body["preconditions"] = pre
    if options.dry_run:
        body["dryRun"] = ["All"]
    return body


def list_params(opts: ListOptions) -> dict[str, str]:
    """ListOptions as query parameters."""
    params: dict[str, str] = {}
    pairs = (
        ("labelSelector", opts.label_selector),
        ("fieldSelector", opts.field_selector),
        ("resourceVersionMatch", opts.resource_version_match),
        ("continue", opts.continue_token),
    )
    params.update({k: v for k, v in pairs if v})
    if opts.resource_version is not None:
        params["resourceVersion"] = opts.resource_version
    if opts.limit:
        params["limit"] = str(opts.limit)
    return params


__all__ = ["Obj", "RawAPI", "delete_options_body", "list_params"]
