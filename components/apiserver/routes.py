"""URL paths to what they address: a discovery document, a health check, or a `Target`.

Kubernetes' REST layout: ``/api/v1`` for the core group and ``/apis/<group>/<version>`` for
the others, then ``[namespaces/<ns>/]<plural>[/<name>[/<subresource>]]``. The one ambiguity,
``/api/v1/namespaces/<x>/<y>``, resolves as Kubernetes does: ``<y>`` names a namespaced
resource (a list in namespace ``<x>``) unless it is a subresource of namespaces (``status``,
``finalize``).
"""

from __future__ import annotations

from typing import Literal

import attrs

from components.apiserver.discovery import Catalog
from kernel.api.errors import NotFound
from kernel.api.requests import Target
from kernel.objects import ResourceInfo

HEALTH_PATHS: frozenset[str] = frozenset({"/healthz", "/livez", "/readyz"})

RouteKind = Literal[
    "health", "version", "api", "apis", "group", "discovery", "resources", "object", "bindings"
]
"""``resources``: a collection (list, watch, create, deletecollection); ``object``: one object
or its subresource; ``bindings``: the namespace-level ``bindings`` endpoint."""


@attrs.frozen
class Route:
    """What a path addresses."""

    kind: RouteKind
    path: str
    group: str = ""
    version: str = ""
    target: Target | None = None


def _split(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _resource(catalog: Catalog, group: str, version: str, plural: str) -> ResourceInfo:
    info = catalog.find(group, version, plural)
    if info is None:
        raise NotFound.path()
    return info


def _object_route(catalog: Catalog, path: str, group: str, version: str, segs: list[str]) -> Route:
    """Route ``[namespaces/<ns>/]<plural>[/<name>[/<sub>]]`` within one group/version."""
    namespace = ""
    if len(segs) >= 3 and segs[0] == "namespaces":
        nested = catalog.find(group, version, segs[2])
        if nested is not None and nested.namespaced:
            namespace, segs = segs[1], segs[2:]
        elif segs[2] == "bindings" and not group and len(segs) == 3:
            return Route(
                "bindings",
                path,
                group,
                version,
                Target(_resource(catalog, "", "v1", "pods"), segs[1]),
            )
    if not segs or len(segs) > 3:
        raise NotFound.path()
    info = _resource(catalog, group, version, segs[0])
    if namespace and not info.namespaced:
        raise NotFound.path()
    name = segs[1] if len(segs) > 1 else ""
    sub = segs[2] if len(segs) > 2 else ""
    kind: RouteKind = "object" if name else "resources"
    return Route(kind, path, group, version, Target(info, namespace, name, sub))


def route(catalog: Catalog, path: str) -> Route:
    """Resolve a URL path; `NotFound` for anything the server does not serve."""
    base = path.rstrip("/") or "/"
    if base in HEALTH_PATHS or any(base.startswith(h + "/") for h in HEALTH_PATHS):
        return Route("health", base)
    if base == "/version":
        return Route("version", base)
    segs = _split(base)
    if segs == ["api"]:
        return Route("api", base)
    if segs == ["apis"]:
        return Route("apis", base)
    if segs[:1] == ["api"] and len(segs) >= 2:
        group, version, rest = "", segs[1], segs[2:]
    elif segs[:1] == ["apis"] and len(segs) >= 3:
        group, version, rest = segs[1], segs[2], segs[3:]
    elif segs[:1] == ["apis"] and len(segs) == 2:
        return Route("group", base, segs[1])
    else:
        raise NotFound.path()
    if not catalog.in_group_version(group, version):
        raise NotFound.path()
    if not rest:
        return Route("discovery", base, group, version)
    return _object_route(catalog, base, group, version, rest)


__all__ = ["HEALTH_PATHS", "Route", "RouteKind", "route"]
