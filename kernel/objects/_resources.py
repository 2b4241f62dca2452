"""The resource table: every kind kubelab serves, its REST names, scope and subresources."""

from __future__ import annotations

import attrs

from ._errors import UnknownResourceError
from ._meta import KubeObject

__all__ = ["RESOURCES", "ResourceInfo", "resource_for_kind", "resource_for_name"]


@attrs.frozen(kw_only=True)
class ResourceInfo:
    """How one kind is served: ``/api/v1/namespaces/{ns}/pods`` for Pod, and so on."""

    group: str
    """API group; ``""`` for the core group."""
    version: str
    kind: str
    plural: str
    """The REST resource name (``pods``)."""
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    cls: type[KubeObject] | None = attrs.field(default=None, eq=False, repr=False)
    """The Python class of the objects."""

    @property
    def api_version(self) -> str:
        """``v1`` for core, ``group/version`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_path(self) -> str:
        """The path prefix the API server serves this group at (``/api/v1``, ``/apis/apps/v1``)."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


def _build() -> tuple[ResourceInfo, ...]:
    from ._apps import Deployment, ReplicaSet
    from ._cluster import (
        ClusterRole,
        ClusterRoleBinding,
        Event,
        Lease,
        NetworkPolicy,
        Role,
        RoleBinding,
    )
    from ._discovery import EndpointSlice
    from ._node import Namespace, Node
    from ._pod import Pod
    from ._service import ConfigMap, Endpoints, Secret, Service, ServiceAccount

    rbac = "rbac.authorization.k8s.io"
    rows: list[tuple[str, type[KubeObject], str, bool, tuple[str, ...], tuple[str, ...]]] = [
        ("", Namespace, "namespaces", False, ("ns",), ("status", "finalize")),
        ("", Node, "nodes", False, ("no",), ("status", "proxy")),
        (
            "",
            Pod,
            "pods",
            True,
            ("po",),
            ("status", "binding", "log", "eviction", "exec", "ephemeralcontainers"),
        ),
        ("", Service, "services", True, ("svc",), ("status", "proxy")),
        ("", Endpoints, "endpoints", True, ("ep",), ()),
        ("", ServiceAccount, "serviceaccounts", True, ("sa",), ("token",)),
        ("", ConfigMap, "configmaps", True, ("cm",), ()),
        ("", Secret, "secrets", True, (), ()),
        ("", Event, "events", True, ("ev",), ()),
        ("apps", ReplicaSet, "replicasets", True, ("rs",), ("status", "scale")),
        ("apps", Deployment, "deployments", True, ("deploy",), ("status", "scale")),
        ("coordination.k8s.io", Lease, "leases", True, (), ()),
        (rbac, Role, "roles", True, (), ()),
        (rbac, ClusterRole, "clusterroles", False, (), ()),
        (rbac, RoleBinding, "rolebindings", True, (), ()),
        (rbac, ClusterRoleBinding, "clusterrolebindings", False, (), ()),
        ("networking.k8s.io", NetworkPolicy, "networkpolicies", True, ("netpol",), ("status",)),
        ("discovery.k8s.io", EndpointSlice, "endpointslices", True, (), ()),
    ]
    out = []
    for group, cls, plural, namespaced, short, sub in rows:
        version = cls.API_VERSION.rsplit("/", 1)[-1]
        out.append(
            ResourceInfo(
                group=group,
                version=version,
                kind=cls.KIND,
                plural=plural,
                singular=cls.KIND.lower(),
                namespaced=namespaced,
                short_names=short,
                subresources=sub,
                cls=cls,
            )
        )
    return tuple(out)


RESOURCES: tuple[ResourceInfo, ...] = _build()
"""Every resource kubelab serves, core group first."""

_BY_KIND = {info.kind: info for info in RESOURCES}
_BY_NAME: dict[str, ResourceInfo] = {}
for _info in RESOURCES:
    for _alias in (_info.plural, _info.singular, _info.kind.lower(), *_info.short_names):
        _BY_NAME.setdefault(_alias, _info)
    # kubectl also accepts resource.group, e.g. deployments.apps
    if _info.group:
        _BY_NAME.setdefault(f"{_info.plural}.{_info.group}", _info)


def resource_for_kind(kind: str, api_version: str | None = None) -> ResourceInfo:
    """The resource serving ``kind`` (optionally checking the apiVersion it is written in)."""
    info = _BY_KIND.get(kind)
    if info is None:
        known = ", ".join(sorted(_BY_KIND))
        raise UnknownResourceError(f'kind "{kind}" is not served by kubelab (known kinds: {known})')
    if api_version is not None and api_version != info.api_version:
        raise UnknownResourceError(
            f'no matches for kind "{kind}" in version "{api_version}": '
            f'kubelab serves {kind} as "{info.api_version}"'
        )
    return info


def resource_for_name(name: str) -> ResourceInfo:
    """Resolve what a user typed (``po``, ``pods``, ``Pod``, ``deploy``, ``deployments.apps``)."""
    info = _BY_NAME.get(name.lower())
    if info is None:
        raise UnknownResourceError(
            f'the server doesn\'t have a resource type "{name}"; try one of: '
            + ", ".join(i.plural for i in RESOURCES)
        )
    return info
