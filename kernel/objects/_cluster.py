"""Leases, Events, RBAC and NetworkPolicies: the coordination, audit and policy kinds."""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import ClassVar

import attrs

from ._meta import KubeObject, LabelSelector, ObjectReference
from ._quantity import IntOrString
from ._schema import MicroTime, Time, always, int_or_string, many, opt

__all__ = [
    "AggregationRule",
    "ClusterRole",
    "ClusterRoleBinding",
    "Event",
    "EventSeries",
    "EventSource",
    "IPBlock",
    "Lease",
    "LeaseSpec",
    "NetworkPolicy",
    "NetworkPolicyEgressRule",
    "NetworkPolicyIngressRule",
    "NetworkPolicyPeer",
    "NetworkPolicyPort",
    "NetworkPolicySpec",
    "PolicyRule",
    "Role",
    "RoleBinding",
    "RoleRef",
    "Subject",
]


@attrs.frozen(kw_only=True)
class LeaseSpec:
    """Who holds the lease and until when (leader election, node heartbeats)."""

    holder_identity: str | None = opt()
    lease_duration_seconds: int | None = opt()
    acquire_time: MicroTime | None = opt()
    renew_time: MicroTime | None = opt()
    lease_transitions: int | None = opt()
    strategy: str | None = opt()
    preferred_holder: str | None = opt()


@attrs.frozen(kw_only=True)
class Lease(KubeObject):
    """A lease for leader election or node heartbeats (coordination.k8s.io/v1)."""

    KIND: ClassVar[str] = "Lease"
    API_VERSION: ClassVar[str] = "coordination.k8s.io/v1"

    spec: LeaseSpec = always(LeaseSpec)


@attrs.frozen(kw_only=True)
class EventSource:
    """The component (and host) that reported an event."""

    component: str | None = opt()
    host: str | None = opt()


@attrs.frozen(kw_only=True)
class EventSeries:
    """A run of repeated events."""

    count: int | None = opt()
    last_observed_time: MicroTime | None = opt()


@attrs.frozen(kw_only=True)
class Event(KubeObject):
    """Something that happened to an object (core/v1 Event, as ``kubectl get events`` shows)."""

    KIND: ClassVar[str] = "Event"
    API_VERSION: ClassVar[str] = "v1"

    involved_object: ObjectReference = always(ObjectReference)
    reason: str | None = opt()
    message: str | None = opt()
    source: EventSource | None = opt()
    first_timestamp: Time | None = opt()
    last_timestamp: Time | None = opt()
    count: int | None = opt()
    type: str | None = opt()
    """``Normal`` or ``Warning``."""
    event_time: MicroTime | None = opt()
    series: EventSeries | None = opt()
    action: str | None = opt()
    related: ObjectReference | None = opt()
    reporting_component: str | None = opt()
    reporting_instance: str | None = opt()


@attrs.frozen(kw_only=True)
class PolicyRule:
    """Verbs allowed on resources (or non-resource URLs)."""

    verbs: tuple[str, ...] = many()
    api_groups: tuple[str, ...] = many()
    resources: tuple[str, ...] = many()
    resource_names: tuple[str, ...] = many()
    non_resource_urls: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class AggregationRule:
    """ClusterRoles whose rules are merged into this one."""

    cluster_role_selectors: tuple[LabelSelector, ...] = many()


@attrs.frozen(kw_only=True)
class Subject:
    """A user, group or service account a binding grants to."""

    kind: str | None = opt()
    api_group: str | None = opt()
    name: str | None = opt()
    namespace: str | None = opt()


@attrs.frozen(kw_only=True)
class RoleRef:
    """The role a binding grants."""

    api_group: str | None = opt()
    kind: str | None = opt()
    name: str | None = opt()


@attrs.frozen(kw_only=True)
class Role(KubeObject):
    """Namespaced permissions."""

    KIND: ClassVar[str] = "Role"
    API_VERSION: ClassVar[str] = "rbac.authorization.k8s.io/v1"

    rules: tuple[PolicyRule, ...] = many()


@attrs.frozen(kw_only=True)
class ClusterRole(KubeObject):
    """Cluster-wide permissions."""

    KIND: ClassVar[str] = "ClusterRole"
    API_VERSION: ClassVar[str] = "rbac.authorization.k8s.io/v1"

    rules: tuple[PolicyRule, ...] = many()
    aggregation_rule: AggregationRule | None = opt()


@attrs.frozen(kw_only=True)
class RoleBinding(KubeObject):
    """Grants a Role or ClusterRole within a namespace."""

    KIND: ClassVar[str] = "RoleBinding"
    API_VERSION: ClassVar[str] = "rbac.authorization.k8s.io/v1"

    subjects: tuple[Subject, ...] = many()
    role_ref: RoleRef = always(RoleRef)


@attrs.frozen(kw_only=True)
class ClusterRoleBinding(KubeObject):
    """Grants a ClusterRole cluster-wide."""

    KIND: ClassVar[str] = "ClusterRoleBinding"
    API_VERSION: ClassVar[str] = "rbac.authorization.k8s.io/v1"

    subjects: tuple[Subject, ...] = many()
    role_ref: RoleRef = always(RoleRef)


@attrs.frozen(kw_only=True)
class IPBlock:
    """A CIDR, minus exceptions."""

    cidr: str | None = opt()
    except_: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class NetworkPolicyPort:
    """A port (or range) a rule allows."""

    protocol: str | None = opt()
    port: IntOrString | None = int_or_string()
    end_port: int | None = opt()


@attrs.frozen(kw_only=True)
class NetworkPolicyPeer:
    """Pods, namespaces or an IP block a rule allows."""

    pod_selector: LabelSelector | None = opt()
    namespace_selector: LabelSelector | None = opt()
    ip_block: IPBlock | None = opt()


@attrs.frozen(kw_only=True)
class NetworkPolicyIngressRule:
    """Traffic allowed in: from these peers on these ports (empty lists mean all)."""

    ports: tuple[NetworkPolicyPort, ...] = many()
    from_: tuple[NetworkPolicyPeer, ...] = many()


@attrs.frozen(kw_only=True)
class NetworkPolicyEgressRule:
    """Traffic allowed out: to these peers on these ports (empty lists mean all)."""

    ports: tuple[NetworkPolicyPort, ...] = many()
    to: tuple[NetworkPolicyPeer, ...] = many()


@attrs.frozen(kw_only=True)
class NetworkPolicySpec:
    """Which pods the policy isolates and what traffic it allows."""

    pod_selector: LabelSelector = always(LabelSelector)
    """The pods the policy applies to; ``{}`` selects every pod in the namespace."""
    ingress: tuple[NetworkPolicyIngressRule, ...] = many()
    egress: tuple[NetworkPolicyEgressRule, ...] = many()
    policy_types: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class NetworkPolicy(KubeObject):
    """Allow-list firewall rules for pods (networking.k8s.io/v1)."""

    KIND: ClassVar[str] = "NetworkPolicy"
    API_VERSION: ClassVar[str] = "networking.k8s.io/v1"

    spec: NetworkPolicySpec = always(NetworkPolicySpec)
