"""The admission chain: mutating plugins, then validating plugins, on every write.

A plugin sees an `AdmissionRequest` (operation, resource, the typed object and the old one,
the user, and a `ClusterReader` to look other objects up) after authorization and before the
store. Mutating plugins return the object to continue with (defaulting, later ServiceAccount
and LimitRanger); validating plugins raise a `StatusError` to refuse (object validation,
namespace lifecycle, later quotas). Add plugins with `APIServer(admission=AdmissionChain(...))`
or by appending to `server.admission.mutating` / `.validating` before serving.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import attrs

from components.apiserver.auth import UserInfo
from components.apiserver.validation import apply_defaults, validate, validate_update
from kernel.api.errors import FieldErrorLike, Forbidden, Invalid, NotFound
from kernel.objects import KubeObject, ResourceInfo

Operation = Literal["CREATE", "UPDATE", "DELETE", "CONNECT"]

IMMORTAL_NAMESPACES: frozenset[str] = frozenset({"default", "kube-system", "kube-public"})
"""Namespaces that cannot be deleted (Kubernetes' NamespaceLifecycle rule)."""


@runtime_checkable
class ClusterReader(Protocol):
    """Read access to the cluster for admission plugins (no authorization, latest state)."""

    async def read(self, resource: str, namespace: str, name: str) -> KubeObject | None:
        """The object `name` of `resource` (plural), or None when it does not exist."""
        ...

    async def read_all(self, resource: str, namespace: str | None) -> list[KubeObject]:
        """Every object of `resource` in `namespace` (all namespaces when None)."""
        ...


@attrs.frozen
class AdmissionRequest:
    """One write as admission plugins see it."""

    operation: Operation
    resource: ResourceInfo
    namespace: str
    name: str
    user: UserInfo
    object: KubeObject | None
    """The object being written (None for DELETE)."""
    old_object: KubeObject | None
    """The stored object for UPDATE and DELETE, else None."""
    reader: ClusterReader
    subresource: str = ""
    dry_run: bool = False


@runtime_checkable
class MutatingAdmission(Protocol):
    """A plugin that may change the object; returns the object to continue with."""

    name: str

    async def admit(self, request: AdmissionRequest) -> KubeObject | None: ...


@runtime_checkable
class ValidatingAdmission(Protocol):
    """A plugin that may refuse the request by raising a `StatusError`."""

    name: str

    async def validate(self, request: AdmissionRequest) -> None: ...


@attrs.define
class AdmissionChain:
    """Mutating plugins in order, then validating plugins in order."""

    mutating: list[MutatingAdmission] = attrs.field(factory=list)
    validating: list[ValidatingAdmission] = attrs.field(factory=list)

    async def run(self, request: AdmissionRequest) -> KubeObject | None:
        """Run the chain; returns the final object (or raises the first refusal)."""
        for plugin in self.mutating:
            request = attrs.evolve(request, object=await plugin.admit(request))
        for check in self.validating:
            await check.validate(request)
        return request.object


def invalid(resource: ResourceInfo, name: str, errors: Sequence[FieldErrorLike]) -> Invalid:
    """422 Invalid from object-model `FieldError`s (cause per field, Kubernetes' message)."""
    return Invalid.new(resource.kind, resource.group, name, errors)


@attrs.frozen
class NamespaceLifecycle:
    """Refuses new objects in missing or terminating namespaces, and deleting system ones."""

    name: str = "NamespaceLifecycle"

    async def admit(self, request: AdmissionRequest) -> KubeObject | None:
        """Check the namespace; never changes the object."""
        res = request.resource
        if (
            request.operation == "DELETE"
            and res.plural == "namespaces"
            and request.name in IMMORTAL_NAMESPACES
        ):
            raise Forbidden.new(
                res.plural, res.group, request.name, "this namespace may not be deleted"
            )
        if request.operation != "CREATE" or not res.namespaced or request.subresource:
            return request.object
        ns = await request.reader.read("namespaces", "", request.namespace)
        if ns is None:
            raise NotFound.new("namespaces", "", request.namespace)
        if ns.metadata.deletion_timestamp or _phase(ns) == "Terminating":
            raise Forbidden.new(
                res.plural,
                res.group,
                request.name,
                f"unable to create new content in namespace "
                f"{request.namespace} because it is being terminated",
            )
        return request.object


def _phase(ns: KubeObject) -> str | None:
    status = getattr(ns, "status", None)
    return getattr(status, "phase", None)


@attrs.frozen
class Defaulting:
    """Applies the object model's defaults (restartPolicy Always, protocol TCP, ...)."""

    name: str = "Defaulting"

    async def admit(self, request: AdmissionRequest) -> KubeObject | None:
        """The object with Kubernetes' defaults filled in."""
        if request.object is None:
            return None
        return apply_defaults(request.object)


@attrs.frozen
class ObjectValidation:
    """Runs the object model's validation (create) or update validation (update)."""

    name: str = "ObjectValidation"

    async def validate(self, request: AdmissionRequest) -> None:
        """Raise 422 Invalid listing every field error."""
        obj = request.object
        if obj is None or request.operation not in ("CREATE", "UPDATE"):
            return
        if request.operation == "UPDATE" and request.old_object is not None:
            errors = validate_update(obj, request.old_object)
        else:
            errors = validate(obj)
        if errors:
            raise invalid(request.resource, request.name or obj.metadata.name or "", errors)


def default_chain() -> AdmissionChain:
    """The plugins every server runs: namespace lifecycle, defaulting, then validation."""
    return AdmissionChain(
        mutating=[NamespaceLifecycle(), Defaulting()], validating=[ObjectValidation()]
    )


__all__ = [
    "IMMORTAL_NAMESPACES",
    "AdmissionChain",
    "AdmissionRequest",
    "ClusterReader",
    "Defaulting",
    "MutatingAdmission",
    "NamespaceLifecycle",
    "ObjectValidation",
    "Operation",
    "ValidatingAdmission",
    "default_chain",
    "invalid",
]
