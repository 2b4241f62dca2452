"""What a user types for a resource (``po``, ``svc``, ``deploy``, ``pods``, ``Pod``) -> which one.

kubectl resolves plurals, singulars, kinds, short names and ``resource.group``; the object
model's resource table holds those names, and this module turns its lookups into one-line CLI
errors and names objects the way kubectl prints them (``pod/web``, ``deployment.apps/web``).
"""

from __future__ import annotations

from kernel.cli.errors import UserError
from kernel.objects import ResourceInfo, UnknownResourceError, resource_for_kind, resource_for_name


def resolve_kind(name: str) -> ResourceInfo:
    """The resource for a name typed on the command line; `UserError` naming the choices."""
    if not name.strip():
        raise UserError("a resource type is required, e.g. pods, svc or deploy")
    try:
        return resource_for_name(name.strip())
    except UnknownResourceError as err:
        raise UserError(str(err).strip("'\"")) from None


def resolve_manifest_kind(kind: str, api_version: str) -> ResourceInfo:
    """The resource serving a manifest's ``kind`` in its ``apiVersion``; `UserError` if none."""
    try:
        return resource_for_kind(kind, api_version or None)
    except UnknownResourceError as err:
        raise UserError(str(err).strip("'\"")) from None


def qualified_kind(info: ResourceInfo) -> str:
    """``pod``, ``deployment.apps``: the prefix kubectl uses in ``-o name`` and apply output."""
    kind = info.kind.lower()
    return f"{kind}.{info.group}" if info.group else kind


def object_ref(info: ResourceInfo, name: str) -> str:
    """``pod/web``, ``deployment.apps/web``."""
    return f"{qualified_kind(info)}/{name}"


__all__ = [
    "object_ref",
    "qualified_kind",
    "resolve_kind",
    "resolve_manifest_kind",
]
