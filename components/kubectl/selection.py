"""Which resources and objects a command's arguments name, as kubectl reads them.

Either ``TYPE[,TYPE...] [NAME...]`` (every name is looked up in every type; ``all`` expands to
kubectl's "all" category: pods, services, deployments, replicasets and the other workload
kinds this cluster serves) or ``TYPE/NAME...`` (each argument names one object). An unknown
type in a comma list is a `UserError` naming it.
"""

from __future__ import annotations

import attrs

from components.kubectl.kinds import resolve_kind
from kernel.cli.errors import UserError
from kernel.objects import ResourceInfo, UnknownResourceError, resource_for_name

ALL_CATEGORY: tuple[str, ...] = (
    "pods",
    "replicationcontrollers",
    "services",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
    "horizontalpodautoscalers",
    "cronjobs",
    "jobs",
)
"""Kubectl's ``all`` category in its order; members this cluster does not serve are skipped."""


@attrs.frozen
class ResourceRequest:
    """One resource type and the object names asked for in it (none: list them)."""

    info: ResourceInfo
    names: tuple[str, ...] = ()


def _all_category() -> list[ResourceInfo]:
    infos = []
    for plural in ALL_CATEGORY:
        try:
            infos.append(resource_for_name(plural))
        except UnknownResourceError:
            continue
    return infos


def resolve_kinds(text: str) -> list[ResourceInfo]:
    """The resources of ``svc,po`` or ``all,cm``, deduplicated, in the order typed."""
    infos: list[ResourceInfo] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise UserError(f'"{text}" has an empty resource type: use e.g. svc,po')
        for info in _all_category() if part.lower() == "all" else [resolve_kind(part)]:
            if info not in infos:
                infos.append(info)
    return infos


def parse_resource_args(args: list[str], verb: str) -> list[ResourceRequest]:
    """The resource requests of a `get` / `delete` command line."""
    if not args or not args[0].strip():
        raise UserError(f"a resource type is required, e.g. `kubelab {verb} pods`")
    if not any("/" in a for a in args):
        names = tuple(args[1:])
        if names and "all" in (k.strip().lower() for k in args[0].split(",")):
            raise UserError("you must specify only one resource")
        return [ResourceRequest(info, names) for info in resolve_kinds(args[0])]
    if not all("/" in a for a in args):
        raise UserError(
            "there is no need to specify a resource type as a separate argument when passing "
            f"arguments in resource/name form (e.g. 'kubelab {verb} resource/<resource_name>' "
            f"instead of 'kubelab {verb} resource resource/<resource_name>')"
        )
    grouped: dict[ResourceInfo, list[str]] = {}
    for arg in args:
        kind, _, name = arg.partition("/")
        if not kind or not name or "," in kind:
            raise UserError(f'"{arg}" names no object: use TYPE/NAME, e.g. pod/web')
        grouped.setdefault(resolve_kind(kind), []).append(name)
    return [ResourceRequest(info, tuple(names)) for info, names in grouped.items()]


__all__ = ["ALL_CATEGORY", "ResourceRequest", "parse_resource_args", "resolve_kinds"]
