"""Per-resource write rules on wire objects (Kubernetes' RESTCreateStrategy/RESTUpdateStrategy).

What the server, not the user, decides: the fields a create resets (status of objects with a
status subresource, except nodes whose kubelet registers with a status), what an update of the
main resource keeps from the stored object (status) and what a status update keeps (everything
but status), the server-owned metadata (uid, creationTimestamp, generation, deletion fields),
and when ``generation`` moves (a change of ``spec``, nothing else).
"""

from __future__ import annotations

import copy
from typing import Any

from components.apiserver.storage import Obj
from kernel.objects import ResourceInfo

SERVER_OWNED_META = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "selfLink",
)
"""Metadata fields a client cannot set or change; the server keeps its own values."""

STATUS_PRESERVED_META = ("labels", "annotations", "finalizers", "ownerReferences")
"""Metadata a status update cannot change (Kubernetes' ResetObjectMetaForStatus)."""

CREATE_ON_UPDATE: frozenset[str] = frozenset({"endpoints", "leases", "events"})
"""Resources where PUT of a missing object creates it (Kubernetes' AllowCreateOnUpdate)."""

STATUS_ON_CREATE: frozenset[str] = frozenset({"nodes"})
"""Resources whose create keeps a client-supplied status."""


def has_status(info: ResourceInfo) -> bool:
    """True when spec and status are written through separate endpoints."""
    return "status" in info.subresources


def meta(obj: Obj) -> dict[str, Any]:
    """The object's metadata dict, created if missing (mutates `obj`)."""
    m = obj.get("metadata")
    if not isinstance(m, dict):
        m = {}
        obj["metadata"] = m
    return m


def prepare_for_create(info: ResourceInfo, obj: Obj) -> Obj:
    """A copy of `obj` with server-owned state reset for a create."""
    out = copy.deepcopy(obj)
    m = meta(out)
    for field in (*SERVER_OWNED_META, "resourceVersion"):
        m.pop(field, None)
    if has_status(info) and info.plural not in STATUS_ON_CREATE:
        out.pop("status", None)
    if info.plural == "pods":
        out["status"] = {"phase": "Pending"}
    elif info.plural in ("replicasets", "replicationcontrollers"):
        out["status"] = {"replicas": 0}  # required (not omitempty) in Kubernetes' JSON
    elif info.plural == "namespaces":
        out["status"] = {"phase": "Active"}
        spec = out.setdefault("spec", {})
        if isinstance(spec, dict):
            spec["finalizers"] = ["kubernetes"]
    return out


def prepare_for_update(info: ResourceInfo, new: Obj, old: Obj, subresource: str) -> Obj:
    """A copy of `new` with what this endpoint may not change taken from `old`."""
    if subresource == "status":
        out = copy.deepcopy(old)
        out["status"] = copy.deepcopy(new.get("status"))
        if out["status"] is None:
            out.pop("status")
        return out
    if subresource == "binding":  # built by the server from the stored pod
        return copy.deepcopy(new)
    if subresource == "finalize":  # namespaces: only spec.finalizers changes
        out = copy.deepcopy(old)
        finalizers = (new.get("spec") or {}).get("finalizers") or []
        out.setdefault("spec", {})["finalizers"] = finalizers
        return out
    out = copy.deepcopy(new)
    if has_status(info):
        if "status" in old:
            out["status"] = copy.deepcopy(old["status"])
        else:
            out.pop("status", None)
    if info.plural == "namespaces":
        out.setdefault("spec", {})["finalizers"] = (old.get("spec") or {}).get("finalizers", [])
    return out


NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""The label Kubernetes (1.21+) keeps on every namespace, set to its name, so selectors (network
policies, webhooks) can pick namespaces by name."""


def canonicalize(info: ResourceInfo, obj: Obj) -> Obj:
    """Fix what the server always sets, after admission: a namespace's name label."""
    if info.plural == "namespaces":
        m = meta(obj)
        if m.get("name"):
            labels = m.get("labels")
            if not isinstance(labels, dict):
                labels = m["labels"] = {}
            labels[NAMESPACE_NAME_LABEL] = m["name"]
    return obj


def after_update_admission(info: ResourceInfo, admitted: Obj, prepared: Obj) -> Obj:
    """Undo what defaulting may not change on update: a namespace's spec.finalizers.

    The object model defaults an empty ``spec.finalizers`` to ``["kubernetes"]`` (right for a
    create), which would resurrect the finalizer the namespace controller just removed.
    """
    if info.plural == "namespaces":
        finalizers = (prepared.get("spec") or {}).get("finalizers") or []
        if finalizers:
            admitted.setdefault("spec", {})["finalizers"] = finalizers
        elif isinstance(admitted.get("spec"), dict):
            admitted["spec"].pop("finalizers", None)
    return admitted


def carry_server_meta(new: Obj, old: Obj) -> Obj:
    """Keep server-owned metadata from `old`; bump generation when the spec changed."""
    m, old_m = meta(new), old.get("metadata") or {}
    for field in SERVER_OWNED_META:
        if field in old_m:
            m[field] = old_m[field]
        else:
            m.pop(field, None)
    for field in ("name", "namespace"):
        if field in old_m:
            m[field] = old_m[field]
    if new.get("spec") != old.get("spec") and "generation" in old_m:
        m["generation"] = int(old_m["generation"]) + 1
    return new


def same_content(new: Obj, old: Obj) -> bool:
    """True when an update changes nothing but the resourceVersion (the write is skipped)."""

    def strip(o: Obj) -> Obj:
        return {
            **o,
            "metadata": {
                k: v for k, v in (o.get("metadata") or {}).items() if k != "resourceVersion"
            },
        }

    return strip(new) == strip(old)


__all__ = [
    "CREATE_ON_UPDATE",
    "NAMESPACE_NAME_LABEL",
    "SERVER_OWNED_META",
    "STATUS_ON_CREATE",
    "STATUS_PRESERVED_META",
    "after_update_admission",
    "canonicalize",
    "carry_server_meta",
    "has_status",
    "meta",
    "prepare_for_create",
    "prepare_for_update",
    "same_content",
]
