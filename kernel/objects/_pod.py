"""Pods: PodSpec (scheduling, affinity, tolerations, DNS, security) and PodStatus."""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ._container import (
    AppArmorProfile,
    Container,
    EphemeralContainer,
    ResourceRequirements,
    SeccompProfile,
    SELinuxOptions,
    WindowsSecurityContextOptions,
)
from ._meta import KubeObject, LabelSelector, LocalObjectReference, ObjectMeta
from ._quantity import Quantity
from ._schema import Int64, Time, always, many, mapping, opt, quantities
from ._volume import Volume

__all__ = [
    "Affinity",
    "ContainerState",
    "ContainerStateRunning",
    "ContainerStateTerminated",
    "ContainerStateWaiting",
    "ContainerStatus",
    "HostAlias",
    "HostIP",
    "NodeAffinity",
    "NodeSelector",
    "NodeSelectorRequirement",
    "NodeSelectorTerm",
    "Pod",
    "PodAffinity",
    "PodAffinityTerm",
    "PodAntiAffinity",
    "PodCondition",
    "PodDNSConfig",
    "PodDNSConfigOption",
    "PodIP",
    "PodOS",
    "PodReadinessGate",
    "PodResourceClaim",
    "PodSchedulingGate",
    "PodSecurityContext",
    "PodSpec",
    "PodStatus",
    "PodTemplateSpec",
    "PreferredSchedulingTerm",
    "Sysctl",
    "Toleration",
    "TopologySpreadConstraint",
    "WeightedPodAffinityTerm",
]


@attrs.frozen(kw_only=True)
class NodeSelectorRequirement:
    """A node label (or field) requirement: key, operator (In, NotIn, Exists, Gt, Lt...), values."""

    key: str | None = opt()
    operator: str | None = opt()
    values: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class NodeSelectorTerm:
    """All requirements of a term must hold (terms of a NodeSelector are ORed)."""

    match_expressions: tuple[NodeSelectorRequirement, ...] = many()
    match_fields: tuple[NodeSelectorRequirement, ...] = many()


@attrs.frozen(kw_only=True)
class NodeSelector:
    """A node matches if any of its terms match."""

    node_selector_terms: tuple[NodeSelectorTerm, ...] = many()


@attrs.frozen(kw_only=True)
class PreferredSchedulingTerm:
    """A weighted node preference."""

    weight: int | None = opt()
    preference: NodeSelectorTerm | None = opt()


@attrs.frozen(kw_only=True)
class NodeAffinity:
    """Hard and soft node constraints."""

    required_during_scheduling_ignored_during_execution: NodeSelector | None = opt()
    preferred_during_scheduling_ignored_during_execution: tuple[PreferredSchedulingTerm, ...] = (
        many()
    )


@attrs.frozen(kw_only=True)
class PodAffinityTerm:
    """Pods matching ``labelSelector`` in ``namespaces`` on the same ``topologyKey`` domain."""

    label_selector: LabelSelector | None = opt()
    namespaces: tuple[str, ...] = many()
    topology_key: str | None = opt()
    namespace_selector: LabelSelector | None = opt()
    match_label_keys: tuple[str, ...] = many()
    mismatch_label_keys: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class WeightedPodAffinityTerm:
    """A weighted pod (anti-)affinity preference."""

    weight: int | None = opt()
    pod_affinity_term: PodAffinityTerm | None = opt()


@attrs.frozen(kw_only=True)
class PodAffinity:
    """Co-locate with matching pods."""

    required_during_scheduling_ignored_during_execution: tuple[PodAffinityTerm, ...] = many()
    preferred_during_scheduling_ignored_during_execution: tuple[WeightedPodAffinityTerm, ...] = (
        many()
    )


@attrs.frozen(kw_only=True)
class PodAntiAffinity:
    """Keep away from matching pods."""

    required_during_scheduling_ignored_during_execution: tuple[PodAffinityTerm, ...] = many()
    preferred_during_scheduling_ignored_during_execution: tuple[WeightedPodAffinityTerm, ...] = (
        many()
    )


@attrs.frozen(kw_only=True)
class Affinity:
    """Node affinity, pod affinity and pod anti-affinity."""

    node_affinity: NodeAffinity | None = opt()
    pod_affinity: PodAffinity | None = opt()
    pod_anti_affinity: PodAntiAffinity | None = opt()


@attrs.frozen(kw_only=True)
class Toleration:
    """Lets a pod schedule onto (or stay on) nodes with a matching taint."""

    key: str | None = opt()
    operator: str | None = opt()
    """``Equal`` (default) or ``Exists``."""
    value: str | None = opt()
    effect: str | None = opt()
    """``NoSchedule``, ``PreferNoSchedule`` or ``NoExecute``; empty matches all."""
    toleration_seconds: Int64 | None = opt()

    def tolerates(self, key: str, value: str | None, effect: str) -> bool:
        """Whether this toleration tolerates a taint (Kubernetes' ToleratesTaint)."""
        if self.effect and self.effect != effect:
            return False
        if self.key and self.key != key:
            return False
        if self.operator == "Exists":
            return True
        return (self.value or "") == (value or "")


@attrs.frozen(kw_only=True)
class TopologySpreadConstraint:
    """Spread matching pods evenly across topology domains."""

    max_skew: int | None = opt()
    topology_key: str | None = opt()
    when_unsatisfiable: str | None = opt()
    label_selector: LabelSelector | None = opt()
    min_domains: int | None = opt()
    node_affinity_policy: str | None = opt()
    node_taints_policy: str | None = opt()
    match_label_keys: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class PodDNSConfigOption:
    """A resolver option (``ndots: "2"``)."""

    name: str | None = opt()
    value: str | None = opt()


@attrs.frozen(kw_only=True)
class PodDNSConfig:
    """Extra resolver configuration merged into the pod's resolv.conf."""

    nameservers: tuple[str, ...] = many()
    searches: tuple[str, ...] = many()
    options: tuple[PodDNSConfigOption, ...] = many()


@attrs.frozen(kw_only=True)
class HostAlias:
    """An /etc/hosts entry."""

    ip: str | None = opt()
    hostnames: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class PodReadinessGate:
    """An extra condition that must be True for the pod to be Ready."""

    condition_type: str | None = opt()


@attrs.frozen(kw_only=True)
class Sysctl:
    """A namespaced kernel parameter."""

    name: str | None = opt()
    value: str | None = opt()


@attrs.frozen(kw_only=True)
class PodSecurityContext:
    """Pod-wide security settings."""

    se_linux_options: SELinuxOptions | None = opt()
    windows_options: WindowsSecurityContextOptions | None = opt()
    run_as_user: Int64 | None = opt()
    run_as_group: Int64 | None = opt()
    run_as_non_root: bool | None = opt()
    supplemental_groups: tuple[int, ...] = many()
    supplemental_groups_policy: str | None = opt()
    fs_group: Int64 | None = opt()
    sysctls: tuple[Sysctl, ...] = many()
    fs_group_change_policy: str | None = opt()
    seccomp_profile: SeccompProfile | None = opt()
    app_armor_profile: AppArmorProfile | None = opt()
    se_linux_change_policy: str | None = opt()


@attrs.frozen(kw_only=True)
class PodOS:
    """The operating system the pod needs (linux, windows)."""

    name: str | None = opt()


@attrs.frozen(kw_only=True)
class PodSchedulingGate:
    """While any gate remains, the scheduler leaves the pod alone."""

    name: str | None = opt()


@attrs.frozen(kw_only=True)
class PodResourceClaim:
    """A dynamic resource claim of the pod."""

    name: str | None = opt()
    resource_claim_name: str | None = opt()
    resource_claim_template_name: str | None = opt()


@attrs.frozen(kw_only=True)
class PodSpec:
    """The desired state of a pod."""

    volumes: tuple[Volume, ...] = many()
    init_containers: tuple[Container, ...] = many()
    containers: tuple[Container, ...] = many()
    ephemeral_containers: tuple[EphemeralContainer, ...] = many()
    restart_policy: str | None = opt()
    """``Always`` (default), ``OnFailure`` or ``Never``."""
    termination_grace_period_seconds: Int64 | None = opt()
    active_deadline_seconds: Int64 | None = opt()
    dns_policy: str | None = opt()
    node_selector: dict[str, str] = mapping()
    service_account_name: str | None = opt()
    service_account: str | None = opt()
    """Deprecated alias of ``serviceAccountName``."""
    automount_service_account_token: bool | None = opt()
    node_name: str | None = opt()
    """Set by the scheduler through the ``binding`` subresource."""
    host_network: bool | None = opt()
    host_pid: bool | None = opt()
    host_ipc: bool | None = opt()
    share_process_namespace: bool | None = opt()
    security_context: PodSecurityContext | None = opt()
    image_pull_secrets: tuple[LocalObjectReference, ...] = many()
    hostname: str | None = opt()
    subdomain: str | None = opt()
    affinity: Affinity | None = opt()
    scheduler_name: str | None = opt()
    tolerations: tuple[Toleration, ...] = many()
    host_aliases: tuple[HostAlias, ...] = many()
    priority_class_name: str | None = opt()
    priority: int | None = opt()
    dns_config: PodDNSConfig | None = opt()
    readiness_gates: tuple[PodReadinessGate, ...] = many()
    runtime_class_name: str | None = opt()
    enable_service_links: bool | None = opt()
    preemption_policy: str | None = opt()
    overhead: dict[str, Quantity] = quantities()
    topology_spread_constraints: tuple[TopologySpreadConstraint, ...] = many()
    set_hostname_as_fqdn: bool | None = opt()
    os: PodOS | None = opt()
    host_users: bool | None = opt()
    scheduling_gates: tuple[PodSchedulingGate, ...] = many()
    resource_claims: tuple[PodResourceClaim, ...] = many()
    resources: ResourceRequirements | None = opt()
    """Pod-level resource requests and limits."""
    hostname_override: str | None = opt()
    eviction_responders: tuple[Any, ...] = many()
    scheduling_group: Any = opt()


@attrs.frozen(kw_only=True)
class PodCondition:
    """PodScheduled, Initialized, ContainersReady, Ready, ... with status True/False/Unknown."""

    type: str | None = opt()
    status: str | None = opt()
    observed_generation: Int64 | None = opt()
    last_probe_time: Time | None = opt()
    last_transition_time: Time | None = opt()
    reason: str | None = opt()
    message: str | None = opt()


@attrs.frozen(kw_only=True)
class ContainerStateWaiting:
    """Not running yet (ContainerCreating, CrashLoopBackOff, ImagePullBackOff...)."""

    reason: str | None = opt()
    message: str | None = opt()


@attrs.frozen(kw_only=True)
class ContainerStateRunning:
    """Running since ``startedAt``."""

    started_at: Time | None = opt()


@attrs.frozen(kw_only=True)
class ContainerStateTerminated:
    """Exited with ``exitCode``."""

    exit_code: int | None = opt()
    signal: int | None = opt()
    reason: str | None = opt()
    message: str | None = opt()
    started_at: Time | None = opt()
    finished_at: Time | None = opt()
    container_id: str | None = opt()


@attrs.frozen(kw_only=True)
class ContainerState:
    """Exactly one of waiting, running, terminated."""

    waiting: ContainerStateWaiting | None = opt()
    running: ContainerStateRunning | None = opt()
    terminated: ContainerStateTerminated | None = opt()


@attrs.frozen(kw_only=True)
class ContainerStatus:
    """What the kubelet observed about one container."""

    name: str | None = opt()
    state: ContainerState | None = opt()
    last_state: ContainerState | None = opt()
    ready: bool | None = opt()
    restart_count: int | None = opt()
    image: str | None = opt()
    image_id: str | None = opt()
    container_id: str | None = opt()
    started: bool | None = opt()
    allocated_resources: dict[str, Quantity] = quantities()
    resources: ResourceRequirements | None = opt()
    volume_mounts: tuple[Any, ...] = many()
    user: Any = opt()
    allocated_resources_status: tuple[Any, ...] = many()
    stop_signal: str | None = opt()


@attrs.frozen(kw_only=True)
class HostIP:
    """One IP of the pod's node."""

    ip: str | None = opt()


@attrs.frozen(kw_only=True)
class PodIP:
    """One IP of the pod (one per address family)."""

    ip: str | None = opt()


@attrs.frozen(kw_only=True)
class PodStatus:
    """The observed state of a pod, written by the scheduler and kubelet."""

    observed_generation: Int64 | None = opt()
    phase: str | None = opt()
    """Pending, Running, Succeeded, Failed or Unknown."""
    conditions: tuple[PodCondition, ...] = many()
    message: str | None = opt()
    reason: str | None = opt()
    nominated_node_name: str | None = opt()
    host_ip: str | None = opt()
    host_ips: tuple[HostIP, ...] = many()
    pod_ip: str | None = opt()
    pod_ips: tuple[PodIP, ...] = many()
    start_time: Time | None = opt()
    init_container_statuses: tuple[ContainerStatus, ...] = many()
    container_statuses: tuple[ContainerStatus, ...] = many()
    qos_class: str | None = opt()
    ephemeral_container_statuses: tuple[ContainerStatus, ...] = many()
    resize: str | None = opt()
    resource_claim_statuses: tuple[Any, ...] = many()
    allocated_resources: dict[str, Quantity] = quantities()
    resources: ResourceRequirements | None = opt()
    extended_resource_claim_status: Any = opt()
    node_allocatable_resource_claim_statuses: tuple[Any, ...] = many()
    volume_health: tuple[Any, ...] = many()


@attrs.frozen(kw_only=True)
class PodTemplateSpec:
    """The pod a controller stamps out: metadata (labels) and spec."""

    metadata: ObjectMeta = always(ObjectMeta)
    spec: PodSpec = always(PodSpec)


@attrs.frozen(kw_only=True)
class Pod(KubeObject):
    """A group of containers scheduled together onto one node."""

    KIND: ClassVar[str] = "Pod"
    API_VERSION: ClassVar[str] = "v1"

    spec: PodSpec = always(PodSpec)
    status: PodStatus = always(PodStatus)
