"""The ``pods/binding`` and ``scale`` subresources.

Binding is how a scheduler places a pod: it sets ``spec.nodeName`` once (409 Conflict if the pod
is already bound or being deleted) and marks the PodScheduled condition, without the rest of
the pod's update rules. Scale (``autoscaling/v1`` Scale) reads and writes a Deployment's or
ReplicaSet's ``spec.replicas`` with the status replicas and selector alongside, for
autoscalers and ``kubectl scale``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import attrs

from components.apiserver._writes import guaranteed_update
from components.apiserver.auth import ADMIN_USER, UserInfo
from components.apiserver.patch import apply_patch
from components.apiserver.storage import Obj
from components.apiserver.strategy import meta
from kernel.api.errors import BadRequest, Conflict, Invalid
from kernel.api.requests import Target
from kernel.objects import FieldError

if TYPE_CHECKING:
    from components.apiserver.server import APIServer

BIND_CREATED: Obj = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Success",
    "code": 201,
}


def _binding_target(target: Target, body: Any) -> tuple[str, dict[str, str]]:
    """(node name, annotations) from a Binding body, or the error Kubernetes gives."""
    if not isinstance(body, dict) or body.get("kind") not in (None, "Binding"):
        raise BadRequest("the request body must be a Binding object")
    m = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    if m.get("name") not in (None, "", target.name):
        raise BadRequest("name in URL does not match name in Binding object")
    to = body.get("target") if isinstance(body.get("target"), dict) else {}
    node = to.get("name")
    errors = []
    if not isinstance(node, str) or not node:
        errors.append(FieldError.required("target.name"))
    if to.get("kind") not in (None, "", "Node"):
        errors.append(FieldError.not_supported("target.kind", to.get("kind"), ["Node"]))
    if errors:
        raise Invalid.new("Binding", "", target.name, errors)
    annotations = m.get("annotations") if isinstance(m.get("annotations"), dict) else {}
    return str(node), {str(k): str(v) for k, v in annotations.items()}


async def bind(server: APIServer, target: Target, body: Any, *, dry_run: bool = False) -> Obj:
    """Assign a pod to a node once; 409 when it is already assigned or being deleted."""
    node, annotations = _binding_target(target, body)
    name = target.name

    def transform(current: Obj) -> Obj:
        pod = copy.deepcopy(current)
        if meta(pod).get("deletionTimestamp"):
            raise Conflict.new(
                "pods/binding",
                "",
                name,
                f"pod {name} is being deleted, cannot be assigned to a host",
            )
        bound = (pod.get("spec") or {}).get("nodeName")
        if bound:
            raise Conflict.new(
                "pods/binding", "", name, f'pod {name} is already assigned to node "{bound}"'
            )
        pod.setdefault("spec", {})["nodeName"] = node
        if annotations:
            meta(pod).setdefault("annotations", {}).update(annotations)
        status = pod.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": server.now()}
        )
        status["conditions"] = conditions
        return pod

    await guaranteed_update(
        server, ADMIN_USER, target, transform, pinned=False, dry_run=dry_run, run_admission=False
    )
    return dict(BIND_CREATED)


def label_selector_string(selector: Any) -> str:
    """A LabelSelector (wire dict) in the query syntax, as Scale.status.selector carries it."""
    if not isinstance(selector, dict):
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        listed = ",".join(sorted(values))
        parts.append(
            {
                "In": f"{key} in ({listed})",
                "NotIn": f"{key} notin ({listed})",
                "Exists": f"{key}",
                "DoesNotExist": f"!{key}",
            }.get(op, "")
        )
    return ",".join(p for p in parts if p)


def to_scale(obj: Obj) -> Obj:
    """The autoscaling/v1 Scale view of a Deployment or ReplicaSet."""
    m = obj.get("metadata") or {}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    keep = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: m[k] for k in keep if k in m},
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": {
            "replicas": status.get("replicas", 0),
            "selector": label_selector_string(spec.get("selector")),
        },
    }


def _replicas(target: Target, body: Any) -> tuple[int, str | None]:
    if not isinstance(body, dict) or body.get("kind") not in (None, "Scale"):
        raise BadRequest("the request body must be an autoscaling/v1 Scale object")
    m = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    if m.get("name") not in (None, "", target.name):
        raise BadRequest(
            f"the name of the object ({m.get('name')}) does not match the name "
            f"on the URL ({target.name})"
        )
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    replicas = spec.get("replicas", 0)
    if isinstance(replicas, bool) or not isinstance(replicas, int):
        raise Invalid.new(
            "Scale",
            "autoscaling",
            target.name,
            [FieldError.type_invalid("spec.replicas", replicas, "must be of type integer")],
        )
    if replicas < 0:
        raise Invalid.new(
            "Scale",
            "autoscaling",
            target.name,
            [FieldError.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
        )
    rv = m.get("resourceVersion")
    return replicas, str(rv) if rv not in (None, "") else None


async def update_scale(
    server: APIServer, user: UserInfo, target: Target, body: Any, *, dry_run: bool = False
) -> Obj:
    """Set ``spec.replicas`` from a Scale; returns the new Scale."""
    replicas, wanted = _replicas(target, body)
    info = target.resource

    def transform(current: Obj) -> Obj:
        if wanted is not None and wanted != current["metadata"]["resourceVersion"]:
            raise Conflict.modified(info.plural, info.group, target.name)
        new = copy.deepcopy(current)
        new.setdefault("spec", {})["replicas"] = replicas
        return new

    result = await guaranteed_update(
        server, user, target, transform, pinned=wanted is not None, dry_run=dry_run
    )
    return to_scale(result)


async def patch_scale(
    server: APIServer,
    user: UserInfo,
    target: Target,
    patch_type: str,
    patch: Any,
    *,
    dry_run: bool = False,
) -> Obj:
    """Patch the Scale view, then write its replicas like `update_scale`."""
    current = await server.storage.get(server.key(target.resource), target.namespace, target.name)
    scale = to_scale(current)
    patched = apply_patch(patch_type, scale, patch)
    if (patched.get("metadata") or {}).get("resourceVersion") == scale["metadata"][
        "resourceVersion"
    ]:
        patched = {
            **patched,
            "metadata": {k: v for k, v in patched["metadata"].items() if k != "resourceVersion"},
        }
    return await update_scale(server, user, attrs.evolve(target), patched, dry_run=dry_run)


__all__ = ["bind", "label_selector_string", "patch_scale", "to_scale", "update_scale"]
