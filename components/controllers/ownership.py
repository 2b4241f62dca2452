"""Adoption and release (Kubernetes' ControllerRefManager): which objects an owner controls.

An owner controls the objects whose controlling ownerReference names its uid and whose labels
its selector still matches. An orphan its selector matches is adopted (its ownerReferences
gain the owner, written with the object's resourceVersion so a concurrent change wins); one it
controls whose labels no longer match is released. Objects another controller owns are left
alone. A failed adoption or release (conflict, gone) is skipped: the next reconcile retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from components.controllers.pods import controller_ref, owner_reference
from kernel.api.errors import Conflict, NotFound
from kernel.client.protocol import Client
from kernel.objects import KubeObject, LabelSelector, to_dict

T = TypeVar("T", bound=KubeObject)


def selects(selector: LabelSelector | None, obj: KubeObject) -> bool:
    """An owner's selector matches `obj` (a missing or empty selector matches nothing here)."""
    return (
        selector is not None and not selector.is_empty() and selector.matches(obj.metadata.labels)
    )


async def _set_owners(client: Client, obj: T, refs: list[dict[str, object]]) -> T | None:
    patch = {
        "metadata": {"ownerReferences": refs, "resourceVersion": obj.metadata.resource_version}
    }
    try:
        return await client.patch(
            type(obj), obj.metadata.name or "", patch, namespace=obj.metadata.namespace or ""
        )
    except (Conflict, NotFound):
        return None


def _refs(obj: KubeObject) -> list[dict[str, object]]:
    return [to_dict(ref) for ref in obj.metadata.owner_references]


async def claim(
    client: Client, owner: KubeObject, selector: LabelSelector | None, candidates: Sequence[T]
) -> list[T]:
    """The objects `owner` controls after adopting matching orphans and releasing the rest."""
    owner_uid = owner.metadata.uid
    deleting = owner.metadata.deletion_timestamp is not None
    claimed: list[T] = []
    for obj in candidates:
        ref = controller_ref(obj)
        matches = selects(selector, obj)
        if ref is not None and ref.uid == owner_uid:
            if matches or deleting:
                claimed.append(obj)
            else:
                kept = [r for r in _refs(obj) if r.get("uid") != owner_uid]
                await _set_owners(client, obj, kept)
        elif ref is None and matches and not deleting and obj.metadata.deletion_timestamp is None:
            adopted = await _set_owners(client, obj, [*_refs(obj), to_dict(owner_reference(owner))])
            if adopted is not None:
                claimed.append(adopted)
    return claimed


__all__ = ["claim", "selects"]
