"""Services, Endpoints, ServiceAccounts, ConfigMaps and Secrets (core/v1)."""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ._meta import Condition, KubeObject, LocalObjectReference, ObjectReference
from ._quantity import IntOrString
from ._schema import always, int_or_string, many, mapping, opt

__all__ = [
    "ClientIPConfig",
    "ConfigMap",
    "EndpointAddress",
    "EndpointPort",
    "EndpointSubset",
    "Endpoints",
    "LoadBalancerIngress",
    "LoadBalancerStatus",
    "Secret",
    "Service",
    "ServiceAccount",
    "ServicePort",
    "ServiceSpec",
    "ServiceStatus",
    "SessionAffinityConfig",
]


@attrs.frozen(kw_only=True)
class ServicePort:
    """A port the service exposes and the pod port (number or name) it forwards to."""

    name: str | None = opt()
    protocol: str | None = opt()
    app_protocol: str | None = opt()
    port: int | None = opt()
    target_port: IntOrString | None = int_or_string()
    node_port: int | None = opt()


@attrs.frozen(kw_only=True)
class ClientIPConfig:
    """How long ClientIP session affinity sticks."""

    timeout_seconds: int | None = opt()


@attrs.frozen(kw_only=True)
class SessionAffinityConfig:
    """Session affinity settings."""

    client_ip: ClientIPConfig | None = opt()


@attrs.frozen(kw_only=True)
class ServiceSpec:
    """The desired state of a service: which pods, which ports, which virtual IP."""

    ports: tuple[ServicePort, ...] = many()
    selector: dict[str, str] = mapping()
    cluster_ip: str | None = opt()
    cluster_ips: tuple[str, ...] = many()
    type: str | None = opt()
    """ClusterIP (default), NodePort, LoadBalancer or ExternalName."""
    external_ips: tuple[str, ...] = many()
    session_affinity: str | None = opt()
    load_balancer_ip: str | None = opt()
    load_balancer_source_ranges: tuple[str, ...] = many()
    external_name: str | None = opt()
    external_traffic_policy: str | None = opt()
    health_check_node_port: int | None = opt()
    publish_not_ready_addresses: bool | None = opt()
    session_affinity_config: SessionAffinityConfig | None = opt()
    ip_families: tuple[str, ...] = many()
    ip_family_policy: str | None = opt()
    allocate_load_balancer_node_ports: bool | None = opt()
    load_balancer_class: str | None = opt()
    internal_traffic_policy: str | None = opt()
    traffic_distribution: str | None = opt()


@attrs.frozen(kw_only=True)
class LoadBalancerIngress:
    """An address of a provisioned load balancer."""

    ip: str | None = opt()
    hostname: str | None = opt()
    ip_mode: str | None = opt()
    ports: tuple[Any, ...] = many()


@attrs.frozen(kw_only=True)
class LoadBalancerStatus:
    """Provisioned load balancer addresses."""

    ingress: tuple[LoadBalancerIngress, ...] = many()


@attrs.frozen(kw_only=True)
class ServiceStatus:
    """The observed state of a service."""

    load_balancer: LoadBalancerStatus | None = opt()
    conditions: tuple[Condition, ...] = many()


@attrs.frozen(kw_only=True)
class Service(KubeObject):
    """A stable virtual IP and DNS name in front of a set of pods."""

    KIND: ClassVar[str] = "Service"
    API_VERSION: ClassVar[str] = "v1"

    spec: ServiceSpec = always(ServiceSpec)
    status: ServiceStatus = always(ServiceStatus)


@attrs.frozen(kw_only=True)
class EndpointAddress:
    """One backend address of a service."""

    ip: str | None = opt()
    hostname: str | None = opt()
    node_name: str | None = opt()
    target_ref: ObjectReference | None = opt()


@attrs.frozen(kw_only=True)
class EndpointPort:
    """A port of the backends."""

    name: str | None = opt()
    port: int | None = opt()
    protocol: str | None = opt()
    app_protocol: str | None = opt()


@attrs.frozen(kw_only=True)
class EndpointSubset:
    """Addresses that share a set of ports."""

    addresses: tuple[EndpointAddress, ...] = many()
    not_ready_addresses: tuple[EndpointAddress, ...] = many()
    ports: tuple[EndpointPort, ...] = many()


@attrs.frozen(kw_only=True)
class Endpoints(KubeObject):
    """The backends of a service, maintained by the endpoints controller."""

    KIND: ClassVar[str] = "Endpoints"
    API_VERSION: ClassVar[str] = "v1"

    subsets: tuple[EndpointSubset, ...] = many()


@attrs.frozen(kw_only=True)
class ServiceAccount(KubeObject):
    """An identity for processes in pods."""

    KIND: ClassVar[str] = "ServiceAccount"
    API_VERSION: ClassVar[str] = "v1"

    secrets: tuple[ObjectReference, ...] = many()
    image_pull_secrets: tuple[LocalObjectReference, ...] = many()
    automount_service_account_token: bool | None = opt()


@attrs.frozen(kw_only=True)
class ConfigMap(KubeObject):
    """Configuration data for pods (env vars, files)."""

    KIND: ClassVar[str] = "ConfigMap"
    API_VERSION: ClassVar[str] = "v1"

    data: dict[str, str] = mapping()
    binary_data: dict[str, str] = mapping()
    """Base64-encoded values."""
    immutable: bool | None = opt()


@attrs.frozen(kw_only=True)
class Secret(KubeObject):
    """Sensitive data for pods; ``data`` values are base64, ``stringData`` plain (write-only)."""

    KIND: ClassVar[str] = "Secret"
    API_VERSION: ClassVar[str] = "v1"

    data: dict[str, str] = mapping()
    string_data: dict[str, str] = mapping()
    type: str | None = opt()
    immutable: bool | None = opt()
