"""Nodes and namespaces: cluster-scoped objects describing where pods run and how they group."""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ._meta import KubeObject
from ._quantity import Quantity
from ._schema import Int64, Time, always, many, opt, quantities

__all__ = [
    "AttachedVolume",
    "ContainerImage",
    "DaemonEndpoint",
    "Namespace",
    "NamespaceCondition",
    "NamespaceSpec",
    "NamespaceStatus",
    "Node",
    "NodeAddress",
    "NodeCondition",
    "NodeDaemonEndpoints",
    "NodeSpec",
    "NodeStatus",
    "NodeSystemInfo",
    "Taint",
]


@attrs.frozen(kw_only=True)
class Taint:
    """Repels pods that do not tolerate it."""

    key: str | None = opt()
    value: str | None = opt()
    effect: str | None = opt()
    """``NoSchedule``, ``PreferNoSchedule`` or ``NoExecute``."""
    time_added: Time | None = opt()


@attrs.frozen(kw_only=True)
class NodeSpec:
    """The desired state of a node."""

    pod_cidr: str | None = opt()
    pod_cidrs: tuple[str, ...] = many()
    provider_id: str | None = opt()
    unschedulable: bool | None = opt()
    """Cordoned: the scheduler places no new pods here."""
    taints: tuple[Taint, ...] = many()
    config_source: Any = opt()
    external_id: str | None = opt()
    pod_preemption_policy: Any = opt()


@attrs.frozen(kw_only=True)
class NodeCondition:
    """Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable."""

    type: str | None = opt()
    status: str | None = opt()
    last_heartbeat_time: Time | None = opt()
    last_transition_time: Time | None = opt()
    reason: str | None = opt()
    message: str | None = opt()


@attrs.frozen(kw_only=True)
class NodeAddress:
    """An address of the node: InternalIP, ExternalIP, Hostname..."""

    type: str | None = opt()
    address: str | None = opt()


@attrs.frozen(kw_only=True)
class DaemonEndpoint:
    """A port a node daemon listens on."""

    port: int | None = opt(wire="Port")


@attrs.frozen(kw_only=True)
class NodeDaemonEndpoints:
    """Where the kubelet listens."""

    kubelet_endpoint: DaemonEndpoint | None = opt()


@attrs.frozen(kw_only=True)
class NodeSystemInfo:
    """Versions and identity reported by the kubelet."""

    machine_id: str | None = opt()
    system_uuid: str | None = opt()
    boot_id: str | None = opt()
    kernel_version: str | None = opt()
    os_image: str | None = opt()
    container_runtime_version: str | None = opt()
    kubelet_version: str | None = opt()
    kube_proxy_version: str | None = opt()
    operating_system: str | None = opt()
    architecture: str | None = opt()
    swap: Any = opt()
    running_in_user_namespace: bool | None = opt()


@attrs.frozen(kw_only=True)
class ContainerImage:
    """An image present on the node."""

    names: tuple[str, ...] = many()
    size_bytes: Int64 | None = opt()


@attrs.frozen(kw_only=True)
class AttachedVolume:
    """A volume attached to the node."""

    name: str | None = opt()
    device_path: str | None = opt()


@attrs.frozen(kw_only=True)
class NodeStatus:
    """The observed state of a node, reported by its kubelet."""

    capacity: dict[str, Quantity] = quantities()
    allocatable: dict[str, Quantity] = quantities()
    """What pods may use: capacity minus system reservations; the scheduler fits against it."""
    phase: str | None = opt()
    conditions: tuple[NodeCondition, ...] = many()
    addresses: tuple[NodeAddress, ...] = many()
    daemon_endpoints: NodeDaemonEndpoints | None = opt()
    node_info: NodeSystemInfo | None = opt()
    images: tuple[ContainerImage, ...] = many()
    volumes_in_use: tuple[str, ...] = many()
    volumes_attached: tuple[AttachedVolume, ...] = many()
    config: Any = opt()
    runtime_handlers: tuple[Any, ...] = many()
    features: Any = opt()
    declared_features: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class Node(KubeObject):
    """A machine (real or simulated) that runs pods through its kubelet."""

    KIND: ClassVar[str] = "Node"
    API_VERSION: ClassVar[str] = "v1"

    spec: NodeSpec = always(NodeSpec)
    status: NodeStatus = always(NodeStatus)


@attrs.frozen(kw_only=True)
class NamespaceSpec:
    """Finalizers that must run before the namespace is removed."""

    finalizers: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class NamespaceCondition:
    """A namespace condition (deletion progress)."""

    type: str | None = opt()
    status: str | None = opt()
    last_transition_time: Time | None = opt()
    reason: str | None = opt()
    message: str | None = opt()


@attrs.frozen(kw_only=True)
class NamespaceStatus:
    """Active or Terminating."""

    phase: str | None = opt()
    conditions: tuple[NamespaceCondition, ...] = many()


@attrs.frozen(kw_only=True)
class Namespace(KubeObject):
    """A scope for names; deleting it deletes everything inside."""

    KIND: ClassVar[str] = "Namespace"
    API_VERSION: ClassVar[str] = "v1"

    spec: NamespaceSpec = always(NamespaceSpec)
    status: NamespaceStatus = always(NamespaceStatus)
