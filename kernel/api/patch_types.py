"""The three patch formats' content types, and the list merge keys strategic merge patch uses.

Shared by the server (which applies patches) and clients (kubectl-style three-way apply).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH)

LIST_MERGE_KEYS: Mapping[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "volumes": ("name",),
    "env": ("name",),
    "imagePullSecrets": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "ports": ("containerPort", "port"),
    "conditions": ("type",),
    "ownerReferences": ("uid",),
    "hostAliases": ("ip",),
    "topologySpreadConstraints": ("topologyKey",),
}
"""List fields merged element by element, and the key(s) identifying an element.

`ports` is keyed by ``containerPort`` in a container and by ``port`` in a Service: the first
key that the patch's elements carry wins.
"""

MERGED_PRIMITIVE_LISTS: frozenset[str] = frozenset({"finalizers"})
"""Lists of scalars that a strategic patch unions instead of replacing (metadata.finalizers)."""


def merge_key(name: str, items: list[Any]) -> str | None:
    """The key list `name` is merged by, if every one of `items` carries it (else: replace)."""
    for key in LIST_MERGE_KEYS.get(name, ()):
        if items and all(isinstance(i, Mapping) and key in i for i in items):
            return key
    return None


__all__ = [
    "JSON_PATCH",
    "LIST_MERGE_KEYS",
    "MERGED_PRIMITIVE_LISTS",
    "MERGE_PATCH",
    "PATCH_TYPES",
    "STRATEGIC_MERGE_PATCH",
    "merge_key",
]
