"""Delete and deletecollection, with Kubernetes' graceful deletion.

An object with finalizers (including the ``orphan`` / ``foregroundDeletion`` finalizers a
propagationPolicy adds for the garbage collector) is only marked: ``deletionTimestamp`` is set
and it stays until the last finalizer is removed by an update. A pod bound to a node gets a
grace period (``deletionGracePeriodSeconds``, from the request or the pod's
terminationGracePeriodSeconds) and stays until its kubelet deletes it with grace 0; a pod that
was never scheduled or has finished is deleted at once. A namespace turns Terminating and stays
while ``spec.finalizers`` is non-empty (the namespace controller empties it through
``namespaces/<name>/finalize`` once its content is gone).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from components.apiserver import service_allocation
from components.apiserver._writes import UPDATE_ATTEMPTS, Reader, deletable
from components.apiserver.admission import AdmissionRequest
from components.apiserver.auth import UserInfo
from components.apiserver.listing import ListOptions, list_page
from components.apiserver.storage import Obj
from components.apiserver.strategy import meta, same_content
from kernel.api.errors import Conflict, NotFound
from kernel.api.requests import DeleteOptions, Target
from kernel.objects import ResourceInfo

if TYPE_CHECKING:
    from components.apiserver.server import APIServer

RETURNS_OBJECT: frozenset[str] = frozenset({"pods", "services", "namespaces"})
"""Resources whose DELETE answers with the deleted object rather than a Success Status."""

DEFAULT_POD_GRACE = 30
POLICY_FINALIZERS = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}


def _check_preconditions(
    info: ResourceInfo, name: str, current: Obj, options: DeleteOptions
) -> None:
    m = current["metadata"]
    if options.precondition_uid is not None and options.precondition_uid != m.get("uid"):
        raise Conflict.new(
            info.plural,
            info.group,
            name,
            f"Precondition failed: UID in precondition: "
            f"{options.precondition_uid}, UID in object meta: {m.get('uid')}",
        )
    wanted = options.precondition_resource_version
    if wanted is not None and wanted != m.get("resourceVersion"):
        raise Conflict.new(
            info.plural,
            info.group,
            name,
            f"Precondition failed: ResourceVersion in precondition: {wanted}, "
            f"ResourceVersion in object meta: {m.get('resourceVersion')}",
        )


def _grace(info: ResourceInfo, obj: Obj, options: DeleteOptions) -> int:
    """Seconds of grace: pods bound to a node and still running get some, nothing else does."""
    if info.plural != "pods":
        return 0
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    if options.grace_period_seconds is not None:
        return options.grace_period_seconds
    return int(spec.get("terminationGracePeriodSeconds", DEFAULT_POD_GRACE))


def _finalizers(current: list[str], options: DeleteOptions) -> list[str]:
    policy = options.propagation_policy
    if policy is None and options.orphan_dependents is not None:
        policy = "Orphan" if options.orphan_dependents else "Background"
    if policy is None:
        return current
    out = [f for f in current if f not in POLICY_FINALIZERS.values()]
    if policy in POLICY_FINALIZERS:
        out.append(POLICY_FINALIZERS[policy])
    return out


def plan_deletion(
    server: APIServer, info: ResourceInfo, current: Obj, options: DeleteOptions
) -> Obj:
    """The object as marked for deletion (`deletable` tells if it can go right away)."""
    obj = copy.deepcopy(current)
    m = meta(obj)
    finalizers = _finalizers(list(m.get("finalizers") or []), options)
    if finalizers:
        m["finalizers"] = finalizers
    else:
        m.pop("finalizers", None)
    grace = _grace(info, current, options)
    old_grace = m.get("deletionGracePeriodSeconds")
    if not m.get("deletionTimestamp") or (old_grace is not None and grace < old_grace):
        m["deletionTimestamp"] = server.now(grace)
        m["deletionGracePeriodSeconds"] = grace
    if info.plural == "namespaces":
        obj.setdefault("status", {})["phase"] = "Terminating"
    return obj


def _gone_response(info: ResourceInfo, last: Obj) -> Obj:
    if info.plural in RETURNS_OBJECT:
        return last
    m = last.get("metadata") or {}
    details: dict[str, Any] = {"name": m.get("name", ""), "kind": info.plural}
    if info.group:
        details["group"] = info.group
    if m.get("uid"):
        details["uid"] = m["uid"]
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


async def delete_object(
    server: APIServer, user: UserInfo, target: Target, options: DeleteOptions
) -> tuple[Obj, bool]:
    """Delete or mark one object: (response body, whether it is gone)."""
    info, rk = target.resource, server.key(target.resource)
    ns, name = target.namespace, target.name
    for _ in range(UPDATE_ATTEMPTS):
        current = await server.storage.get(rk, ns, name)
        _check_preconditions(info, name, current, options)
        request = AdmissionRequest(
            "DELETE",
            info,
            ns,
            name,
            user,
            None,
            server.decode(info, current),
            Reader(server),
            "",
            options.dry_run,
        )
        await server.admission.run(request)
        plan = plan_deletion(server, info, current, options)
        rv = int(current["metadata"]["resourceVersion"])
        try:
            if deletable(plan):
                if options.dry_run:
                    return _gone_response(info, current), True
                freed = service_allocation.release(info, current)
                last = await server.storage.delete(rk, ns, name, rv, current, freed)
                return _gone_response(info, last), True
            if same_content(plan, current) or options.dry_run:
                return plan, False
            return await server.storage.update(rk, ns, name, plan, rv), False
        except Conflict:
            continue
    raise Conflict.modified(info.plural, info.group, name)


async def delete_collection(
    server: APIServer, user: UserInfo, target: Target, opts: ListOptions, options: DeleteOptions
) -> Obj:
    """Delete every object the selectors match; returns them as a list."""
    info = target.resource
    selection = server.selection(info, opts)
    start, end, prefix = server.key_range(target, selection)
    page = await list_page(
        server.storage,
        start,
        end,
        prefix,
        selection,
        ListOptions(label_selector=opts.label_selector, field_selector=opts.field_selector),
    )
    deleted: list[Obj] = []
    for obj in page.items:
        m = obj["metadata"]
        one = Target(info, m.get("namespace", ""), m["name"])
        try:
            body, gone = await delete_object(server, user, one, options)
        except NotFound:
            continue
        deleted.append(obj if gone else body)
    return {
        "kind": f"{info.kind}List",
        "apiVersion": info.api_version,
        "metadata": {"resourceVersion": page.resource_version},
        "items": deleted,
    }


__all__ = ["RETURNS_OBJECT", "delete_collection", "delete_object", "plan_deletion"]
