"""What `kubelab apply` does per object (create or three-way patch) and its classic ``--prune``.

Apply records the manifest in the ``kubectl.kubernetes.io/last-applied-configuration``
annotation so the next apply knows what the user removed. Prune (kubectl's label-selector
prune) deletes objects that carry that annotation and match the selector but are not in the
applied files: namespaced ones in the namespaces the files touched, of kubectl's default prune
kinds that this cluster serves. Dry runs follow kubectl: ``client`` sends no writes (an
existing object reports ``configured``), ``server`` sends them with ``dryRun=All``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs

from components.kubectl.flags import DRY_RUN_SUFFIX, DryRun
from components.kubectl.kinds import object_ref
from components.kubectl.threeway import three_way_patch
from kernel.api.errors import AlreadyExists, NotFound
from kernel.api.patch_types import STRATEGIC_MERGE_PATCH
from kernel.api.requests import DeleteOptions, ListOptions, Target
from kernel.client import HTTPClient
from kernel.objects import ResourceInfo, UnknownResourceError, resource_for_kind

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

PRUNE_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "ConfigMap"),
    ("v1", "Endpoints"),
    ("v1", "Namespace"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "PersistentVolume"),
    ("v1", "Pod"),
    ("v1", "ReplicationController"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"),
)
"""Kubectl's default prune set (apiVersion, kind), in its order."""


def last_applied(obj: Obj) -> Obj | None:
    """The manifest recorded by the last apply, if any and readable."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    try:
        last = json.loads(annotations[LAST_APPLIED]) if LAST_APPLIED in annotations else None
    except ValueError:
        return None
    return last if isinstance(last, dict) else None


def with_last_applied(doc: Obj) -> Obj:
    """The manifest with itself recorded in the last-applied annotation."""
    record = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    meta = doc["metadata"]
    return {
        **doc,
        "metadata": {
            **meta,
            "annotations": {**(meta.get("annotations") or {}), LAST_APPLIED: record},
        },
    }


async def apply_one(client: HTTPClient, target: Target, doc: Obj, dry_run: DryRun = "none") -> str:
    """Create or update one object; returns ``created``, ``configured`` or ``unchanged``."""
    desired = with_last_applied(doc)
    server_dry = dry_run == "server"
    try:
        current = await client.raw.get(target)
    except NotFound:
        if dry_run == "client":
            return "created"
        try:
            await client.raw.create(
                Target(target.resource, target.namespace), desired, dry_run=server_dry
            )
            return "created"
        except AlreadyExists:
            current = await client.raw.get(target)
    if dry_run == "client":
        return "configured"  # kubectl computes no patch in a client dry run
    patch = three_way_patch(current, desired, last_applied(current))
    if not patch:
        return "unchanged"
    await client.raw.patch(target, STRATEGIC_MERGE_PATCH, patch, dry_run=server_dry)
    return "configured"


def prune_resources() -> list[ResourceInfo]:
    """The default prune kinds this cluster serves."""
    infos = []
    for api_version, kind in PRUNE_KINDS:
        try:
            infos.append(resource_for_kind(kind, api_version))
        except UnknownResourceError:
            continue
    return infos


@attrs.frozen
class PrunePlan:
    """What a prune looks at: the selector, the applied objects and the namespaces touched."""

    selector: str
    applied: frozenset[tuple[str, str, str]]
    """(resource plural, namespace, name) of every object the apply wrote."""
    namespaces: tuple[str, ...]


async def prune(
    client: HTTPClient, plan: PrunePlan, dry_run: DryRun, echo: Callable[[str], None]
) -> None:
    """Delete (or, dry, report) applied-before objects matching the selector but not applied."""
    infos = prune_resources()
    scopes = [(i, ns) for ns in plan.namespaces for i in infos if i.namespaced]
    scopes += [(i, "") for i in infos if not i.namespaced]
    for info, ns in scopes:
        data = await client.raw.list(Target(info, ns), ListOptions(plan.selector))
        for obj in data.get("items") or []:
            meta = obj.get("metadata") or {}
            name, where = str(meta.get("name", "")), str(meta.get("namespace", "") or "")
            if LAST_APPLIED not in (meta.get("annotations") or {}):
                continue  # not created by apply: never pruned
            if (info.plural, where, name) in plan.applied:
                continue
            if dry_run != "client":
                try:
                    await client.raw.delete(
                        Target(info, where, name),
                        DeleteOptions(propagation_policy="Background", dry_run=dry_run == "server"),
                    )
                except NotFound:
                    continue
            echo(f"{object_ref(info, name)} pruned{DRY_RUN_SUFFIX[dry_run]}")


__all__ = [
    "LAST_APPLIED",
    "PRUNE_KINDS",
    "PrunePlan",
    "apply_one",
    "last_applied",
    "prune",
    "prune_resources",
    "with_last_applied",
]
