"""Create, update and patch: the write path from a request body to a stored object.

Create fills the server-owned metadata (name from generateName, uid, creationTimestamp,
generation 1), admits and stores with ``create_revision == 0``. Update and patch share
`guaranteed_update`: read, transform, admit, write guarded on the read's mod_revision, and
retry on a lost race unless the caller pinned a resourceVersion (then 409 Conflict). An update
that removes the last finalizer of an object being deleted removes the object.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from components.apiserver import service_allocation
from components.apiserver.admission import AdmissionRequest, Operation
from components.apiserver.auth import UserInfo
from components.apiserver.patch import apply_patch
from components.apiserver.storage import ClaimLostError, Obj
from components.apiserver.strategy import (
    CREATE_ON_UPDATE,
    after_update_admission,
    canonicalize,
    carry_server_meta,
    meta,
    prepare_for_create,
    prepare_for_update,
    same_content,
)
from kernel.api.errors import AlreadyExists, BadRequest, Conflict, Invalid, NotFound
from kernel.api.requests import Target
from kernel.objects import FieldError, KubeObject, ResourceInfo, generate_name, to_dict

if TYPE_CHECKING:
    from components.apiserver.server import APIServer

UPDATE_ATTEMPTS = 16
"""Retries of an unconditional update or patch that keeps losing races before giving up."""
GENERATE_ATTEMPTS = 8
"""Fresh random names tried when a generated name is taken."""


@attrs.frozen
class Reader:
    """`ClusterReader` over the server's storage, for admission plugins."""

    server: APIServer

    async def read(self, resource: str, namespace: str, name: str) -> KubeObject | None:
        info = self.server.catalog.by_plural(resource)
        if info is None:
            return None
        obj = await self.server.storage.try_get(self.server.key(info), namespace, name)
        return None if obj is None else self.server.decode(info, obj)

    async def read_all(self, resource: str, namespace: str | None) -> list[KubeObject]:
        info = self.server.catalog.by_plural(resource)
        if info is None:
            return []
        prefix = self.server.key(info).prefix(namespace)
        return [
            self.server.decode(info, o)
            async for o in self.server.storage.scan(prefix)  # pages pinned to the first's
        ]


def check_body(info: ResourceInfo, namespace: str, body: Any, url_name: str = "") -> Obj:
    """A copy of the request body with kind/apiVersion/namespace checked and filled in."""
    if not isinstance(body, dict):
        raise BadRequest(f"the request body must be a {info.kind} object (a JSON object)")
    obj = copy.deepcopy(body)
    kind, version = (
        obj.setdefault("kind", info.kind),
        obj.setdefault("apiVersion", info.api_version),
    )
    if kind != info.kind or version != info.api_version:
        raise BadRequest(
            f"the API version in the data ({version}) and kind ({kind}) do not "
            f"match the expected {info.api_version} {info.kind} of this URL"
        )
    m = meta(obj)
    if info.namespaced:
        if m.get("namespace") not in (None, "", namespace):
            raise BadRequest(
                "the namespace of the provided object does not match the "
                "namespace sent on the request"
            )
        m["namespace"] = namespace
    else:
        m.pop("namespace", None)
    if url_name:
        if m.get("name") not in (None, "", url_name):
            raise BadRequest(
                f"the name of the object ({m.get('name')}) does not match the "
                f"name on the URL ({url_name})"
            )
        m["name"] = url_name
    return obj


async def admit(  # noqa: PLR0917 - internal, called positionally by one caller
    server: APIServer,
    op: Operation,
    user: UserInfo,
    target: Target,
    obj: Obj,
    old: Obj | None,
    *,
    dry_run: bool,
) -> Obj:
    """Decode, run the admission chain, encode: the object as it will be stored."""
    info = target.resource
    typed = server.decode(info, obj)
    typed_old = server.decode(info, old) if old is not None else None
    name = meta(obj).get("name") or ""
    request = AdmissionRequest(
        op,
        info,
        target.namespace,
        name,
        user,
        typed,
        typed_old,
        Reader(server),
        target.subresource,
        dry_run,
    )
    result = await server.admission.run(request)
    if result is None:
        raise BadRequest("admission removed the object")
    return to_dict(result)


async def create_object(
    server: APIServer, user: UserInfo, target: Target, body: Any, *, dry_run: bool = False
) -> Obj:
    """Create from a request body; AlreadyExists when the name is taken."""
    info = target.resource
    obj = prepare_for_create(info, check_body(info, target.namespace, body))
    m = meta(obj)
    generated = not m.get("name")
    if generated and not m.get("generateName"):
        raise Invalid.new(
            info.kind,
            info.group,
            "",
            [FieldError.required("metadata.name", "name or generateName is required")],
        )
    for _ in range(GENERATE_ATTEMPTS if generated else 1):
        if generated:
            m["name"] = generate_name(str(m["generateName"]), server.rng)
        m.update(uid=server.new_uid(), creationTimestamp=server.now(), generation=1)
        final = canonicalize(
            info, await admit(server, "CREATE", user, target, obj, None, dry_run=dry_run)
        )
        name = meta(final).get("name") or ""
        if dry_run:  # the write is skipped, its name check is not (as Kubernetes' dry run)
            taken = await server.storage.try_get(server.key(info), target.namespace, name)
            if taken is None:
                return await service_allocation.create_claiming(
                    server, info, server.key(info), target.namespace, name, final, dry_run=True
                )
            if not generated:
                raise AlreadyExists.new(info.plural, info.group, name)
            continue
        try:
            return await service_allocation.create_claiming(
                server, info, server.key(info), target.namespace, name, final
            )
        except AlreadyExists:
            if not generated:
                raise
    raise AlreadyExists(
        f'{info.plural} "{m["name"]}" already exists, the server was not able '
        "to generate a unique name for the object"
    )


def deletable(obj: Obj) -> bool:
    """True when an object being deleted has nothing left holding it (finalizers, grace)."""
    m = obj.get("metadata") or {}
    if not m.get("deletionTimestamp") or m.get("finalizers"):
        return False
    if m.get("deletionGracePeriodSeconds"):
        return False
    return not (obj.get("kind") == "Namespace" and (obj.get("spec") or {}).get("finalizers"))


def _check_finalizers(info: ResourceInfo, new: Obj, old: Obj) -> None:
    old_m, new_m = old.get("metadata") or {}, new.get("metadata") or {}
    if not old_m.get("deletionTimestamp"):
        return
    added = [f for f in new_m.get("finalizers") or [] if f not in (old_m.get("finalizers") or [])]
    if added:
        listed = ", ".join(f'"{f}"' for f in added)
        raise Invalid.new(
            info.kind,
            info.group,
            str(new_m.get("name", "")),
            [
                FieldError.forbidden(
                    "metadata.finalizers",
                    "no new finalizers can be added if the "
                    f"object is being deleted, found new finalizers []string{{"
                    f"{listed}}}",
                )
            ],
        )


Transform = Callable[[Obj], Obj]


async def guaranteed_update(
    server: APIServer,
    user: UserInfo,
    target: Target,
    transform: Transform,
    *,
    pinned: bool,
    dry_run: bool,
    create_missing: Obj | None = None,
    run_admission: bool = True,
) -> Obj:
    """Read, transform, admit and write until the write wins (or a pinned version loses).

    `run_admission=False` is for server-built changes (pods/binding) that bypass the update
    rules of the main resource, as Kubernetes' binding does.
    """
    info, rk = target.resource, server.key(target.resource)
    for _ in range(UPDATE_ATTEMPTS):
        current = await server.storage.try_get(rk, target.namespace, target.name)
        if current is None:
            if create_missing is None:
                raise NotFound.new(info.plural, info.group, target.name)
            return await create_object(
                server, user, attrs.evolve(target, name=""), create_missing, dry_run=dry_run
            )
        candidate = transform(current)
        new = prepare_for_update(info, candidate, current, target.subresource)
        if info.plural == "services" and not target.subresource:
            service_allocation.keep_allocated(new, current)
        carry_server_meta(new, current)
        _check_finalizers(info, new, current)
        final = new
        if run_admission:
            final = await admit(server, "UPDATE", user, target, new, current, dry_run=dry_run)
            final = after_update_admission(info, final, new)
        final = canonicalize(info, final)
        carry_server_meta(final, current)
        rv = current["metadata"]["resourceVersion"]
        meta(final)["resourceVersion"] = rv
        gone = deletable(final)
        claims = (
            service_allocation.release(info, current)
            if gone
            else await service_allocation.plan(server, info, final, current)
        )
        if same_content(final, current) or dry_run:
            return final
        try:
            if gone:
                return await server.storage.delete(
                    rk, target.namespace, target.name, int(rv), final, claims
                )
            return await server.storage.update(
                rk, target.namespace, target.name, final, int(rv), claims
            )
        except ClaimLostError:
            continue
        except Conflict:
            if pinned:
                raise
    raise Conflict.modified(info.plural, info.group, target.name)


def _pin(info: ResourceInfo, name: str, wanted: Any) -> Callable[[Obj], None]:
    """A check that the object read is at the resourceVersion the client sent, if any."""

    def check(current: Obj) -> None:
        if wanted not in (None, "") and str(wanted) != current["metadata"]["resourceVersion"]:
            raise Conflict.modified(info.plural, info.group, name)

    return check


async def update_object(
    server: APIServer, user: UserInfo, target: Target, body: Any, *, dry_run: bool = False
) -> Obj:
    """PUT: replace the object (or its status / finalizers) with the body."""
    info = target.resource
    new = check_body(info, target.namespace, body, target.name)
    wanted = meta(new).get("resourceVersion")
    pin = _pin(info, target.name, wanted)

    def transform(current: Obj) -> Obj:
        pin(current)
        return new

    create = new if info.plural in CREATE_ON_UPDATE and not target.subresource else None
    return await guaranteed_update(
        server,
        user,
        target,
        transform,
        pinned=wanted not in (None, ""),
        dry_run=dry_run,
        create_missing=create,
    )


async def patch_object(
    server: APIServer,
    user: UserInfo,
    target: Target,
    patch_type: str,
    patch: Any,
    *,
    dry_run: bool = False,
) -> Obj:
    """PATCH: apply the patch to the current object and write the result as an update."""
    info = target.resource

    def transform(current: Obj) -> Obj:
        patched = apply_patch(patch_type, current, patch)
        patched_meta = patched.get("metadata")
        wanted = patched_meta.get("resourceVersion") if isinstance(patched_meta, dict) else None
        # A patch that names a resourceVersion is a precondition: it must be the current one
        # (after a lost race the re-read moves on, so the retry fails with 409 as it should).
        if wanted != current["metadata"]["resourceVersion"]:
            _pin(info, target.name, wanted)(current)
        return check_body(info, target.namespace, patched, target.name)

    return await guaranteed_update(server, user, target, transform, pinned=False, dry_run=dry_run)


__all__ = [
    "Reader",
    "admit",
    "check_body",
    "create_object",
    "deletable",
    "guaranteed_update",
    "patch_object",
    "update_object",
]
