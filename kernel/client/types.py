"""The values clients return: typed lists, watch events, Scale, and transport failures."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

import attrs

from kernel.objects import KubeObject

T = TypeVar("T", bound=KubeObject)

EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]


@attrs.frozen
class ObjectList(Generic[T]):
    """One page of a list: items, the snapshot's resourceVersion, and the next page's token."""

    items: list[T]
    resource_version: str
    continue_token: str = ""
    """Pass as `continue_token` to get the next page; empty on the last page."""
    remaining_item_count: int | None = None


@attrs.frozen
class WatchEvent(Generic[T]):
    """One watch event; `object` is None for a BOOKMARK (only its resourceVersion matters)."""

    type: EventType
    object: T | None
    resource_version: str
    raw: dict[str, Any] = attrs.field(repr=False, eq=False)
    """The object as it came over the wire (the escape hatch for fields the model lacks)."""


@attrs.frozen
class Scale:
    """The autoscaling/v1 Scale of a Deployment or ReplicaSet."""

    name: str
    namespace: str
    replicas: int
    """Desired replicas (spec.replicas)."""
    status_replicas: int
    """Observed replicas (status.replicas)."""
    selector: str
    """The label selector of the pods, in query syntax (``app=web``)."""
    resource_version: str

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Scale:
        """Parse an autoscaling/v1 Scale object."""
        meta, spec, status = (data.get(k) or {} for k in ("metadata", "spec", "status"))
        return cls(
            str(meta.get("name", "")),
            str(meta.get("namespace", "")),
            int(spec.get("replicas", 0)),
            int(status.get("replicas", 0)),
            str(status.get("selector", "")),
            str(meta.get("resourceVersion", "")),
        )


class APIConnectionError(Exception):
    """The API server could not be reached or the connection broke mid-request.

    `definite` is True when the request certainly did not reach the server (connection
    refused: safe to retry), False when it may have taken effect (timeout, reset).
    """

    def __init__(self, message: str, *, definite: bool) -> None:
        super().__init__(message)
        self.definite = definite


__all__ = ["APIConnectionError", "EventType", "ObjectList", "Scale", "T", "WatchEvent"]
