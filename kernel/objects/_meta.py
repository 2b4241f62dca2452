"""Metadata shared by every object: ObjectMeta, owner and object references, label selectors."""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._schema import Int64, Time, always, many, mapping, opt

__all__ = [
    "Condition",
    "KubeObject",
    "LabelSelector",
    "LabelSelectorRequirement",
    "LocalObjectReference",
    "ObjectMeta",
    "ObjectReference",
    "OwnerReference",
]


@attrs.frozen(kw_only=True)
class OwnerReference:
    """Points at the object that owns this one (garbage collection, controller adoption)."""

    api_version: str | None = opt()
    kind: str | None = opt()
    name: str | None = opt()
    uid: str | None = opt()
    controller: bool | None = opt()
    """True on the single owner that manages this object."""
    block_owner_deletion: bool | None = opt()


@attrs.frozen(kw_only=True)
class ObjectMeta:
    """Kubernetes' ObjectMeta: identity, versioning, labels and lifecycle of every object."""

    name: str | None = opt()
    generate_name: str | None = opt()
    """Prefix from which the server makes a unique name when ``name`` is empty."""
    namespace: str | None = opt()
    self_link: str | None = opt()
    uid: str | None = opt()
    resource_version: str | None = opt()
    """Opaque version from the store; used for optimistic concurrency and watches."""
    generation: Int64 | None = opt()
    """Bumped by the server on every change to the desired state (spec)."""
    creation_timestamp: Time | None = opt()
    deletion_timestamp: Time | None = opt()
    deletion_grace_period_seconds: Int64 | None = opt()
    labels: dict[str, str] = mapping()
    annotations: dict[str, str] = mapping()
    owner_references: tuple[OwnerReference, ...] = many()
    finalizers: tuple[str, ...] = many()
    managed_fields: tuple[Any, ...] = many()
    """Server-side-apply bookkeeping, kept opaque."""


@attrs.frozen(kw_only=True)
class ObjectReference:
    """A reference to any object (events' involvedObject, endpoints' targetRef)."""

    kind: str | None = opt()
    namespace: str | None = opt()
    name: str | None = opt()
    uid: str | None = opt()
    api_version: str | None = opt()
    resource_version: str | None = opt()
    field_path: str | None = opt()


@attrs.frozen(kw_only=True)
class LocalObjectReference:
    """A reference by name to an object in the same namespace (imagePullSecrets...)."""

    name: str | None = opt()


@attrs.frozen(kw_only=True)
class Condition:
    """The standard ``metav1.Condition`` (service status, most newer APIs)."""

    type: str | None = opt()
    status: str | None = opt()
    observed_generation: Int64 | None = opt()
    last_transition_time: Time | None = opt()
    reason: str | None = opt()
    message: str | None = opt()


@attrs.frozen(kw_only=True)
class LabelSelectorRequirement:
    """One ``matchExpressions`` entry: key, operator (In, NotIn, Exists, DoesNotExist), values."""

    key: str | None = opt()
    operator: str | None = opt()
    values: tuple[str, ...] = many()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this requirement."""
        op = self.operator
        key = self.key or ""
        if op == "In":
            return key in labels and labels[key] in self.values
        if op == "NotIn":
            return key not in labels or labels[key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        raise ValueError(f"{op!r} is not a valid label selector operator")


@attrs.frozen(kw_only=True)
class LabelSelector:
    """Selects objects by labels; an empty selector selects everything (``{}``)."""

    match_labels: dict[str, str] = mapping()
    match_expressions: tuple[LabelSelectorRequirement, ...] = many()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether ``labels`` satisfy every matchLabels pair and every matchExpression."""
        labels = labels or {}
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.match_expressions)

    def is_empty(self) -> bool:
        """An empty selector matches every object."""
        return not self.match_labels and not self.match_expressions


@attrs.frozen(kw_only=True)
class KubeObject:
    """Base of every top-level API object: ``apiVersion`` and ``kind`` come from the class."""

    KIND: ClassVar[str] = ""
    API_VERSION: ClassVar[str] = ""

    metadata: ObjectMeta = always(ObjectMeta)

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def api_version(self) -> str:
        return self.API_VERSION
