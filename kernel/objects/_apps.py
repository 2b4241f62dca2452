"""ReplicaSets and Deployments (apps/v1)."""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import ClassVar

import attrs

from ._meta import KubeObject, LabelSelector
from ._pod import PodTemplateSpec
from ._quantity import IntOrString
from ._schema import Int64, Time, always, int_or_string, many, opt

__all__ = [
    "Deployment",
    "DeploymentCondition",
    "DeploymentSpec",
    "DeploymentStatus",
    "DeploymentStrategy",
    "ReplicaSet",
    "ReplicaSetCondition",
    "ReplicaSetSpec",
    "ReplicaSetStatus",
    "RollingUpdateDeployment",
]


@attrs.frozen(kw_only=True)
class ReplicaSetSpec:
    """Keep ``replicas`` pods matching ``selector``, stamped from ``template``."""

    replicas: int | None = opt()
    min_ready_seconds: int | None = opt()
    selector: LabelSelector | None = opt()
    template: PodTemplateSpec | None = opt()


@attrs.frozen(kw_only=True)
class ReplicaSetCondition:
    """A ReplicaSet condition (ReplicaFailure)."""

    type: str | None = opt()
    status: str | None = opt()
    last_transition_time: Time | None = opt()
    reason: str | None = opt()
    message: str | None = opt()


@attrs.frozen(kw_only=True)
class ReplicaSetStatus:
    """Observed replica counts."""

    replicas: int | None = opt()
    fully_labeled_replicas: int | None = opt()
    ready_replicas: int | None = opt()
    available_replicas: int | None = opt()
    terminating_replicas: int | None = opt()
    observed_generation: Int64 | None = opt()
    conditions: tuple[ReplicaSetCondition, ...] = many()


@attrs.frozen(kw_only=True)
class ReplicaSet(KubeObject):
    """Keeps a number of identical pods running."""

    KIND: ClassVar[str] = "ReplicaSet"
    API_VERSION: ClassVar[str] = "apps/v1"

    spec: ReplicaSetSpec = always(ReplicaSetSpec)
    status: ReplicaSetStatus = always(ReplicaSetStatus)


@attrs.frozen(kw_only=True)
class RollingUpdateDeployment:
    """How far a rolling update may go below and above the desired replica count."""

    max_unavailable: IntOrString | None = int_or_string()
    max_surge: IntOrString | None = int_or_string()


@attrs.frozen(kw_only=True)
class DeploymentStrategy:
    """``RollingUpdate`` (default) or ``Recreate``."""

    type: str | None = opt()
    rolling_update: RollingUpdateDeployment | None = opt()


@attrs.frozen(kw_only=True)
class DeploymentSpec:
    """The desired state of a deployment."""

    replicas: int | None = opt()
    selector: LabelSelector | None = opt()
    template: PodTemplateSpec | None = opt()
    strategy: DeploymentStrategy | None = opt()
    min_ready_seconds: int | None = opt()
    revision_history_limit: int | None = opt()
    paused: bool | None = opt()
    progress_deadline_seconds: int | None = opt()


@attrs.frozen(kw_only=True)
class DeploymentCondition:
    """Available, Progressing or ReplicaFailure."""

    type: str | None = opt()
    status: str | None = opt()
    last_update_time: Time | None = opt()
    last_transition_time: Time | None = opt()
    reason: str | None = opt()
    message: str | None = opt()


@attrs.frozen(kw_only=True)
class DeploymentStatus:
    """Observed rollout progress."""

    observed_generation: Int64 | None = opt()
    replicas: int | None = opt()
    updated_replicas: int | None = opt()
    ready_replicas: int | None = opt()
    available_replicas: int | None = opt()
    unavailable_replicas: int | None = opt()
    terminating_replicas: int | None = opt()
    conditions: tuple[DeploymentCondition, ...] = many()
    collision_count: int | None = opt()


@attrs.frozen(kw_only=True)
class Deployment(KubeObject):
    """Declarative rollouts of ReplicaSets."""

    KIND: ClassVar[str] = "Deployment"
    API_VERSION: ClassVar[str] = "apps/v1"

    spec: DeploymentSpec = always(DeploymentSpec)
    status: DeploymentStatus = always(DeploymentStatus)
