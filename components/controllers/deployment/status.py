"""A Deployment's status: replica counts summed over its ReplicaSets, Available and Progressing.

As Kubernetes' sync.go and progress.go: Available is True while at least
``replicas - maxUnavailable`` pods are available; Progressing is True (ReplicaSetUpdated,
NewReplicaSetCreated, FoundNewReplicaSet) while the rollout moves, True with
NewReplicaSetAvailable once complete, and False with ProgressDeadlineExceeded when nothing
moved for ``progressDeadlineSeconds``. A condition keeps its lastTransitionTime while its
status stays the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from components.controllers.deployment.plan import max_unavailable, replicas_of
from components.controllers.pods import stamp_seconds
from kernel.objects import (
    Deployment,
    DeploymentCondition,
    DeploymentStatus,
    ReplicaSet,
    format_time,
)

AVAILABLE = "Available"
PROGRESSING = "Progressing"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"


def condition(status: DeploymentStatus, type_: str) -> DeploymentCondition | None:
    """The condition of `type_`, if present."""
    return next((c for c in status.conditions if c.type == type_), None)


def with_condition(status: DeploymentStatus, new: DeploymentCondition) -> DeploymentStatus:
    """`status` with `new` set (SetDeploymentCondition: same status and reason changes nothing)."""
    old = condition(status, new.type or "")
    if old is not None and old.status == new.status and old.reason == new.reason:
        return status
    if old is not None and old.status == new.status:
        new = attrs.evolve(new, last_transition_time=old.last_transition_time)
    rest = tuple(c for c in status.conditions if c.type != new.type)
    return attrs.evolve(status, conditions=(*rest, new))


def make_condition(
    type_: str, status: str, reason: str, message: str, now: float
) -> DeploymentCondition:
    """A condition stamped `now` (update and transition time)."""
    stamp = format_time(now)
    return DeploymentCondition(
        type=type_, status=status, reason=reason, message=message,
        last_update_time=stamp, last_transition_time=stamp,
    )  # fmt: skip


def counts(
    d: Deployment, sets: Sequence[ReplicaSet], new: ReplicaSet | None, now: float
) -> DeploymentStatus:
    """Replica counts and the Available condition (calculateStatus)."""
    available = sum(rs.status.available_replicas or 0 for rs in sets)
    wanted = sum(replicas_of(rs) for rs in sets)
    status = attrs.evolve(
        d.status,
        observed_generation=d.metadata.generation,
        replicas=sum(rs.status.replicas or 0 for rs in sets),
        updated_replicas=(new.status.replicas or 0) if new is not None else 0,
        ready_replicas=sum(rs.status.ready_replicas or 0 for rs in sets),
        available_replicas=available,
        unavailable_replicas=max(0, wanted - available),
        terminating_replicas=None,
    )
    if available >= (d.spec.replicas or 0) - max_unavailable(d):
        cond = make_condition(
            AVAILABLE, "True", MIN_AVAILABLE, "Deployment has minimum availability.", now
        )
    else:
        cond = make_condition(
            AVAILABLE,
            "False",
            MIN_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            now,
        )
    return with_condition(status, cond)


def complete(d: Deployment, status: DeploymentStatus) -> bool:
    """Every replica updated and available, and this generation observed (DeploymentComplete)."""
    replicas = d.spec.replicas or 0
    return (
        status.updated_replicas == replicas
        and status.replicas == replicas
        and status.available_replicas == replicas
        and (status.observed_generation or 0) >= (d.metadata.generation or 0)
    )


def _progressing(old: DeploymentStatus, new: DeploymentStatus) -> bool:
    old_old = (old.replicas or 0) - (old.updated_replicas or 0)
    new_old = (new.replicas or 0) - (new.updated_replicas or 0)
    return (
        (new.updated_replicas or 0) > (old.updated_replicas or 0)
        or new_old < old_old
        or (new.ready_replicas or 0) > (old.ready_replicas or 0)
        or (new.available_replicas or 0) > (old.available_replicas or 0)
    )


def timed_out(d: Deployment, status: DeploymentStatus, now: float) -> bool:
    """No progress for ``progressDeadlineSeconds`` since Progressing last changed."""
    deadline = d.spec.progress_deadline_seconds
    cond = condition(status, PROGRESSING)
    if deadline is None or cond is None or cond.reason == NEW_RS_AVAILABLE:
        return False
    if cond.reason == TIMED_OUT:
        return True
    since = stamp_seconds(cond.last_update_time)
    return since is not None and since + deadline < now


def rollout_status(
    d: Deployment, status: DeploymentStatus, new: ReplicaSet | None, now: float
) -> DeploymentStatus:
    """`status` with Progressing brought up to date (syncRolloutStatus)."""
    if d.spec.progress_deadline_seconds is None:
        return attrs.evolve(
            status, conditions=tuple(c for c in status.conditions if c.type != PROGRESSING)
        )
    cond = condition(status, PROGRESSING)
    if (
        status.replicas == status.updated_replicas
        and cond is not None
        and cond.reason == NEW_RS_AVAILABLE
    ):
        return status
    name = new.metadata.name if new is not None else ""
    if complete(d, status):
        message = (
            f'ReplicaSet "{name}" has successfully progressed.'
            if new
            else "Deployment has successfully progressed."
        )
        return with_condition(
            status, make_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, message, now)
        )
    if _progressing(d.status, status):
        fresh = make_condition(
            PROGRESSING, "True", RS_UPDATED, f'ReplicaSet "{name}" is progressing.', now
        )
        if cond is not None and cond.status == "True":
            fresh = attrs.evolve(fresh, last_transition_time=cond.last_transition_time)
        rest = tuple(c for c in status.conditions if c.type != PROGRESSING)
        return attrs.evolve(status, conditions=(*rest, fresh))
    if timed_out(d, status, now):
        message = (
            f'ReplicaSet "{name}" has timed out progressing.'
            if new
            else "Deployment has timed out progressing."
        )
        return with_condition(status, make_condition(PROGRESSING, "False", TIMED_OUT, message, now))
    return status


__all__ = [
    "AVAILABLE",
    "FOUND_NEW_RS",
    "NEW_RS_AVAILABLE",
    "NEW_RS_CREATED",
    "PROGRESSING",
    "RS_UPDATED",
    "TIMED_OUT",
    "complete",
    "condition",
    "counts",
    "make_condition",
    "rollout_status",
    "timed_out",
    "with_condition",
]
