"""`APIServer`: the stateless core every request goes through, HTTP or in-process.

One instance holds no cluster state of its own: every verb reads and writes the `Store`, so any
number of instances over one store act as one server. A request is authenticated (by the
transport, through `authenticate`), authorized, admitted (mutating then validating plugins),
then stored with optimistic concurrency. Time comes from an injected `Clock` and names/uids
from an injected `random.Random`, so a simulation replays exactly.

Verbs take the caller's `UserInfo` and a `Target`, and speak wire dicts (Kubernetes JSON);
failures are `StatusError`s. The write verbs live in `_writes`, `_deletes` and
`_subresources`; this module holds construction, the shared helpers and the reads.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any

import attrs

from components.apiserver import _deletes, _subresources, _writes, service_allocation
from components.apiserver.admission import AdmissionChain, default_chain
from components.apiserver.auth import (
    ADMIN_USER,
    AllowAllAuthenticator,
    AllowAllAuthorizer,
    Authenticator,
    Authorizer,
    RequestAttributes,
    UserInfo,
    forbidden_message,
)
from components.apiserver.discovery import Catalog, subresources
from components.apiserver.listing import ListOptions, list_page
from components.apiserver.node_authorizer import NodeAuthorizer
from components.apiserver.node_restriction import NodeRestriction
from components.apiserver.rbac_escalation import RBACEscalationCheck, RuleResolver
from components.apiserver.sa_tokens import ServiceAccountTokens
from components.apiserver.storage import Obj, ResourceKey, Storage
from components.apiserver.token_request import request_token
from components.apiserver.watch import WatchSpec, WatchStream, key_range, open_watch
from components.apiserver.watch_cache import WatchCache
from components.apiserver.watch_limits import WatchLimits
from kernel.api.errors import (
    AlreadyExists,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    StatusCause,
    StatusDetails,
    Unauthorized,
)
from kernel.api.requests import DeleteOptions, Target
from kernel.api.selectors import Selection, parse_field_selector, parse_label_selector
from kernel.clock import Clock, WallClock
from kernel.interfaces.store import Store
from kernel.objects import KubeObject, ResourceInfo, ValidationError, format_time, from_dict

SYSTEM_NAMESPACES: tuple[str, ...] = ("default", "kube-system", "kube-public", "kube-node-lease")
"""Namespaces that exist from the start (created idempotently by `APIServer.start`)."""


@attrs.define
class APIServer:
    """The API server core over one store. Construct, `await start()`, then serve verbs."""

    store: Store
    clock: Clock = attrs.field(factory=WallClock)
    """Source of creation and deletion timestamps."""
    rng: random.Random = attrs.field(factory=random.Random)
    """Source of generated names and uids (seed it in simulations)."""
    authenticator: Authenticator = attrs.field(factory=AllowAllAuthenticator)
    authorizer: Authorizer = attrs.field(factory=AllowAllAuthorizer)
    admission: AdmissionChain = attrs.field(factory=default_chain)
    catalog: Catalog = attrs.field(factory=Catalog)
    bookmark_interval: float = 60.0
    """Seconds between BOOKMARK events on watches that allow them."""
    storage: Storage = attrs.field(init=False)
    watch_cache: WatchCache = attrs.field(init=False)
    """Shared watches for the HTTP front end (running while `serving` serves this server)."""
    watch_limits: WatchLimits = attrs.field(factory=WatchLimits)
    """Concurrent-watch bounds per user and overall (429 with Retry-After beyond them)."""
    service_ranges: service_allocation.ServiceRanges = attrs.field(
        factory=service_allocation.ServiceRanges
    )
    """Where Service cluster IPs and node ports come from (the cluster's service_cidr)."""

    def __attrs_post_init__(self) -> None:
        self.storage = Storage(self.store)
        self.watch_cache = WatchCache(self.storage)
        if isinstance(self.authorizer, RuleResolver):  # RBAC: no granting of unheld rights
            self.admission.validating.append(RBACEscalationCheck(self.authorizer))
        if isinstance(self.authorizer, NodeAuthorizer):  # kubelets write only their own
            self.admission.validating.append(NodeRestriction())

    # ------------------------------------------------------------------ lifecycle and auth

    async def start(self) -> None:
        """Create the system namespaces and the `kubernetes` Service if missing (idempotent)."""
        ns = self.catalog.by_plural("namespaces")
        assert ns is not None
        for name in SYSTEM_NAMESPACES:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            with suppress(AlreadyExists):
                await _writes.create_object(self, ADMIN_USER, Target(ns, "", name), body)
        services = self.catalog.by_plural("services")
        if services is not None:  # the `kubernetes` Service, with the range's first address
            with suppress(AlreadyExists):
                await _writes.create_object(
                    self,
                    ADMIN_USER,
                    Target(services, "default", ""),
                    service_allocation.kubernetes_service(),
                )

    async def authenticate(self, headers: Mapping[str, str]) -> UserInfo:
        """The user behind these (lower-case) headers; 401 Unauthorized when none."""
        user = await self.authenticator.authenticate(headers)
        if user is None:
            raise Unauthorized.new()
        return user

    async def authorize(
        self, user: UserInfo, verb: str, target: Target, field_selector: str = ""
    ) -> None:
        """Raise 403 Forbidden unless the authorizer allows `verb` on `target`."""
        info = target.resource
        attributes = RequestAttributes(
            verb,
            info.plural,
            info.group,
            info.version,
            target.namespace,
            target.name,
            target.subresource,
            field_selector=field_selector,
        )
        decision = await self.authorizer.authorize(user, attributes)
        if not decision.allowed:
            why = forbidden_message(user, attributes, decision.reason)
            raise Forbidden.new(info.plural, info.group, target.name, why)

    async def authorize_path(self, user: UserInfo, verb: str, path: str) -> None:
        """Authorize a non-resource request (discovery, health)."""
        attributes = RequestAttributes(verb, path=path)
        decision = await self.authorizer.authorize(user, attributes)
        if not decision.allowed:
            raise Forbidden.new("", "", "", forbidden_message(user, attributes, decision.reason))

    # ------------------------------------------------------------------ shared helpers

    def key(self, info: ResourceInfo) -> ResourceKey:
        """Where `info`'s objects live in the store."""
        return ResourceKey(info.plural, info.group, info.namespaced)

    def now(self, offset: float = 0) -> str:
        """The current time (plus `offset` seconds) as a Kubernetes timestamp."""
        return format_time(self.clock.now() + offset)

    def new_uid(self) -> str:
        """A random (seeded) version-4 UUID."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def decode(self, info: ResourceInfo, obj: Obj) -> KubeObject:
        """The typed object for a wire dict; 400 BadRequest naming every bad field."""
        try:
            return from_dict(obj)
        except ValidationError as err:
            raise _undecodable(info, err) from None

    def check_subresource(self, target: Target, allowed: tuple[str, ...], method: str) -> None:
        """404 for a subresource the resource lacks, 405 for one this verb cannot use."""
        sub = target.subresource
        if not sub:
            return
        if sub not in subresources(target.resource):
            raise NotFound.path()
        if sub not in allowed:
            raise MethodNotAllowed.new(method, target.describe())

    def check_namespace(self, target: Target) -> None:
        """Namespaced object verbs need a namespace; cluster-scoped ones must not have one."""
        if target.resource.namespaced and target.name and not target.namespace:
            raise NotFound.path()

    # ------------------------------------------------------------------ reads

    async def get(self, user: UserInfo, target: Target) -> Obj:
        """Read one object (or its status or scale)."""
        self.check_subresource(target, ("status", "scale"), "GET")
        self.check_namespace(target)
        await self.authorize(user, "get", target)
        obj = await self.storage.get(self.key(target.resource), target.namespace, target.name)
        if target.subresource == "scale":
            return _subresources.to_scale(obj)
        return obj

    def selection(self, info: ResourceInfo, opts: ListOptions) -> Selection:
        """Parse a request's label and field selectors (400 when malformed)."""
        return Selection(
            parse_label_selector(opts.label_selector),
            parse_field_selector(opts.field_selector, info.plural),
        )

    def key_range(self, target: Target, selection: Selection) -> tuple[bytes, bytes, bytes]:
        """(start, end, prefix) to scan, narrowed when the field selector pins name/namespace."""
        info, rk = target.resource, self.key(target.resource)
        namespace = target.namespace or (selection.fields.exact("metadata.namespace") or "")
        if (
            info.namespaced
            and target.namespace
            and selection.fields.exact("metadata.namespace") not in (None, target.namespace)
        ):
            return b"\x01", b"\x01", b"\x01"  # contradiction: an empty range
        prefix = rk.prefix(namespace or None)
        name = selection.fields.exact("metadata.name")
        exact = rk.key(namespace, name) if name and (namespace or not info.namespaced) else None
        start, end = key_range(prefix, exact)
        return start, end, prefix

    async def list(self, user: UserInfo, target: Target, opts: ListOptions) -> Obj:
        """A ``<Kind>List`` of matching objects, one page at one resourceVersion."""
        await self.authorize(user, "list", target, opts.field_selector)
        info = target.resource
        selection = self.selection(info, opts)
        start, end, prefix = self.key_range(target, selection)
        page = await list_page(self.storage, start, end, prefix, selection, opts)
        meta: dict[str, Any] = {"resourceVersion": page.resource_version}
        if page.continue_token:
            meta["continue"] = page.continue_token
        if page.remaining_item_count is not None:
            meta["remainingItemCount"] = page.remaining_item_count
        return {
            "kind": f"{info.kind}List",
            "apiVersion": info.api_version,
            "metadata": meta,
            "items": page.items,
        }

    @asynccontextmanager
    async def watch(
        self,
        user: UserInfo,
        target: Target,
        opts: ListOptions,
        *,
        bookmarks: bool = False,
        timeout: float | None = None,
        shared: bool = False,
    ) -> AsyncIterator[WatchStream]:
        """Watch matching objects: ``async with server.watch(...) as events``.

        ``shared=True`` (the HTTP front end) serves the watch from `watch_cache` when it runs:
        the event objects are then shared between watchers and must not be modified.
        """
        await self.authorize(user, "watch", target, opts.field_selector)
        info = target.resource
        selection = self.selection(info, opts)
        start, end, _ = self.key_range(target, selection)
        spec = WatchSpec(
            start,
            end,
            selection,
            opts.resource_version,
            info.kind,
            info.api_version,
            bookmarks,
            self.bookmark_interval,
            timeout,
        )
        cache = self.watch_cache if shared else None
        with self.watch_limits.hold(user):
            async with open_watch(self.storage, spec, cache) as events:
                yield events

    # ------------------------------------------------------------------ writes

    async def create(
        self, user: UserInfo, target: Target, body: Any, *, dry_run: bool = False
    ) -> Obj:
        """Create an object (or POST a subresource: ``pods/binding``)."""
        self.check_subresource(target, ("binding", "token"), "POST")
        if target.subresource == "binding":
            await self.authorize(user, "create", target)
            return await _subresources.bind(self, target, body, dry_run=dry_run)
        tokens = getattr(self.authenticator, "service_accounts", None)
        if target.subresource == "token" and isinstance(tokens, ServiceAccountTokens):
            await self.authorize(user, "create", target)
            return await request_token(tokens, self.storage, target.namespace, target.name, body)
        if target.subresource == "token":
            raise NotFound.path()  # no signing key: this server issues no tokens
        if target.name:
            raise MethodNotAllowed.new("POST", target.describe())
        await self.authorize(user, "create", target)
        return await _writes.create_object(self, user, target, body, dry_run=dry_run)

    async def update(
        self, user: UserInfo, target: Target, body: Any, *, dry_run: bool = False
    ) -> Obj:
        """Replace an object, its status, its scale or (namespaces) its finalizers."""
        self.check_subresource(target, ("status", "scale", "finalize"), "PUT")
        self.check_namespace(target)
        await self.authorize(user, "update", target)
        if target.subresource == "scale":
            return await _subresources.update_scale(self, user, target, body, dry_run=dry_run)
        return await _writes.update_object(self, user, target, body, dry_run=dry_run)

    async def patch(
        self, user: UserInfo, target: Target, patch_type: str, patch: Any, *, dry_run: bool = False
    ) -> Obj:
        """Patch an object, its status or its scale (merge, JSON or strategic merge patch)."""
        self.check_subresource(target, ("status", "scale"), "PATCH")
        self.check_namespace(target)
        await self.authorize(user, "patch", target)
        if target.subresource == "scale":
            return await _subresources.patch_scale(
                self, user, target, patch_type, patch, dry_run=dry_run
            )
        return await _writes.patch_object(self, user, target, patch_type, patch, dry_run=dry_run)

    async def delete(
        self, user: UserInfo, target: Target, options: DeleteOptions | None = None
    ) -> tuple[Obj, bool]:
        """Delete (or start deleting) an object: (response body, whether it is gone now)."""
        if target.subresource:
            raise MethodNotAllowed.new("DELETE", target.describe())
        self.check_namespace(target)
        await self.authorize(user, "delete", target)
        return await _deletes.delete_object(self, user, target, options or DeleteOptions())

    async def delete_collection(
        self,
        user: UserInfo,
        target: Target,
        opts: ListOptions,
        options: DeleteOptions | None = None,
    ) -> Obj:
        """Delete every matching object; returns the list of what was deleted."""
        await self.authorize(user, "deletecollection", target)
        return await _deletes.delete_collection(
            self, user, target, opts, options or DeleteOptions()
        )


def _undecodable(info: ResourceInfo, err: ValidationError) -> BadRequest:
    unknown = [str(e) for e in err.errors if e.type == "FieldValueUnknown"]
    other = [str(e) for e in err.errors if e.type != "FieldValueUnknown"]
    parts = ([f"strict decoding error: {', '.join(unknown)}"] if unknown else []) + other
    message = (
        f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: '
        + "; ".join(parts)
    )
    causes = tuple(StatusCause(e.type, e.body(), e.field) for e in err.errors)
    return BadRequest(
        message, StatusDetails(name=err.name, group=info.group, kind=info.kind, causes=causes)
    )


__all__ = ["SYSTEM_NAMESPACES", "APIServer"]
