"""What the server serves, and the discovery documents that tell clients so.

`Catalog` maps URL coordinates (group, version, plural) to the object model's `ResourceInfo`.
The documents are the ones kubectl and the official clients read first: ``/api``
(APIVersions), ``/apis`` (APIGroupList), ``/api/v1`` and ``/apis/<group>/<version>``
(APIResourceList with verbs, shortNames, namespaced, kind) and ``/version``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from kernel.objects import RESOURCES, ResourceInfo

SERVED_SUBRESOURCES: frozenset[str] = frozenset({"status", "binding", "scale", "finalize", "token"})
"""Subresources this server implements (the object model lists more, e.g. pods/log)."""

RESOURCE_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS: dict[str, tuple[str, ...]] = {
    "status": ("get", "patch", "update"),
    "scale": ("get", "patch", "update"),
    "binding": ("create",),
    "token": ("create",),
    "finalize": ("update",),
}

VERSION_INFO: dict[str, str] = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.0-kubelab",
    "gitCommit": "kubelab",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "python",
    "compiler": "cpython",
    "platform": "linux/amd64",
}
"""``/version``: the Kubernetes API level kubelab speaks (clients check ``major``/``minor``)."""


@attrs.frozen
class Catalog:
    """Lookup of served resources by URL coordinates."""

    resources: tuple[ResourceInfo, ...] = RESOURCES

    def find(self, group: str, version: str, plural: str) -> ResourceInfo | None:
        """The resource at ``<group>/<version>/<plural>``, or None."""
        for info in self.resources:
            if info.plural == plural and info.group == group and info.version == version:
                return info
        return None

    def by_plural(self, plural: str) -> ResourceInfo | None:
        """The resource with this plural in any group (plurals are unique here)."""
        return next((i for i in self.resources if i.plural == plural), None)

    def group_versions(self) -> list[tuple[str, str]]:
        """Every (group, version) served, core first, in a stable order."""
        seen: list[tuple[str, str]] = []
        for info in self.resources:
            if (info.group, info.version) not in seen:
                seen.append((info.group, info.version))
        return seen

    def in_group_version(self, group: str, version: str) -> list[ResourceInfo]:
        """The resources of one group/version."""
        return [i for i in self.resources if i.group == group and i.version == version]


def subresources(info: ResourceInfo) -> tuple[str, ...]:
    """The subresources of `info` this server implements."""
    return tuple(s for s in info.subresources if s in SERVED_SUBRESOURCES)


def api_versions() -> dict[str, Any]:
    """``/api``: the core group's versions."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    }


def api_group_list(catalog: Catalog) -> dict[str, Any]:
    """``/apis``: every named group with its versions."""
    groups: dict[str, list[str]] = {}
    for group, version in catalog.group_versions():
        if group:
            groups.setdefault(group, []).append(version)
    items = []
    for group, versions in groups.items():
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        items.append({"name": group, "versions": gvs, "preferredVersion": gvs[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": items}


def api_group(catalog: Catalog, group: str) -> dict[str, Any] | None:
    """``/apis/<group>``: one group, or None when not served."""
    for item in api_group_list(catalog)["groups"]:
        if item["name"] == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **item}
    return None


def _entries(info: ResourceInfo) -> Iterable[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": list(RESOURCE_VERBS),
    }
    if info.short_names:
        main["shortNames"] = list(info.short_names)
    yield main
    for sub in subresources(info):
        kind = {"scale": "Scale", "binding": "Binding", "token": "TokenRequest"}.get(sub, info.kind)
        entry: dict[str, Any] = {
            "name": f"{info.plural}/{sub}",
            "singularName": "",
            "namespaced": info.namespaced,
            "kind": kind,
            "verbs": list(SUBRESOURCE_VERBS[sub]),
        }
        if sub == "scale":
            entry.update(group="autoscaling", version="v1")
        if sub == "token":
            entry.update(group="authentication.k8s.io", version="v1")
        yield entry


def api_resource_list(catalog: Catalog, group: str, version: str) -> dict[str, Any] | None:
    """``/api/v1`` or ``/apis/<group>/<version>``: the resources there, or None."""
    infos = catalog.in_group_version(group, version)
    if not infos:
        return None
    resources = [e for info in infos for e in _entries(info)]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


__all__ = [
    "RESOURCE_VERBS",
    "SERVED_SUBRESOURCES",
    "VERSION_INFO",
    "Catalog",
    "api_group",
    "api_group_list",
    "api_resource_list",
    "api_versions",
    "subresources",
]
