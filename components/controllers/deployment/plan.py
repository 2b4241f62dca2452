"""The arithmetic of a rollout, as pure functions: how big each ReplicaSet should be next.

Kubernetes' deployment/util and rolling.go, step for step. ``maxSurge`` is a percentage
rounded up and ``maxUnavailable`` one rounded down (both 0 makes ``maxUnavailable`` 1). The new
ReplicaSet grows while all pods stay within ``replicas + maxSurge``; old ones shrink while the
available pods stay at least ``replicas - maxUnavailable``, unhealthy old pods going first.
A change of ``spec.replicas`` mid-rollout is spread over the active ReplicaSets in proportion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from components.controllers.deployment.revisions import (
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    int_annotation,
)
from components.controllers.pods import stamp_seconds
from kernel.objects import Deployment, IntOrString, ReplicaSet

Sizes = dict[str, int]
"""ReplicaSet name -> the replicas it should have."""


def replicas_of(rs: ReplicaSet) -> int:
    """``spec.replicas`` (0 when unset)."""
    return rs.spec.replicas or 0


def available_of(rs: ReplicaSet) -> int:
    """``status.availableReplicas``, never more than ``spec.replicas``.

    Right after this controller shrinks a ReplicaSet its status still counts the pods being
    removed; counting them would let a second pass shrink again below maxUnavailable.
    """
    return min(rs.status.available_replicas or 0, replicas_of(rs))


def is_rolling(d: Deployment) -> bool:
    """RollingUpdate is the strategy (the default)."""
    return d.spec.strategy is None or d.spec.strategy.type in (None, "RollingUpdate")


def fenceposts(d: Deployment) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as pod counts for `d`'s replicas; Recreate gives (0, 0)."""
    if not is_rolling(d):
        return 0, 0
    replicas = d.spec.replicas or 0
    ru = d.spec.strategy.rolling_update if d.spec.strategy else None
    surge_v = ru.max_surge if ru and ru.max_surge is not None else IntOrString("25%")
    unavail_v = ru.max_unavailable if ru and ru.max_unavailable is not None else IntOrString("25%")
    surge = surge_v.scaled_value(replicas, round_up=True)
    unavailable = unavail_v.scaled_value(replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_unavailable(d: Deployment) -> int:
    """Pods that may be unavailable during the rollout (capped at replicas)."""
    if not is_rolling(d) or not d.spec.replicas:
        return 0
    return min(fenceposts(d)[1], d.spec.replicas)


def active(sets: Sequence[ReplicaSet | None]) -> list[ReplicaSet]:
    """ReplicaSets with replicas wanted (FilterActiveReplicaSets)."""
    return [rs for rs in sets if rs is not None and replicas_of(rs) > 0]


def _created(rs: ReplicaSet) -> tuple[str, str]:
    return (rs.metadata.creation_timestamp or "", rs.metadata.name or "")


def _created_seconds(rs: ReplicaSet) -> float:
    return stamp_seconds(rs.metadata.creation_timestamp) or 0.0


def oldest_first(sets: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """By creation time, then name (ReplicaSetsByCreationTimestamp)."""
    return sorted(sets, key=_created)


def new_replicas(d: Deployment, all_sets: Sequence[ReplicaSet], new: ReplicaSet | None) -> int:
    """What the new ReplicaSet should be scaled to now (NewRSNewReplicas)."""
    replicas = d.spec.replicas or 0
    if not is_rolling(d):
        return replicas
    current_new = replicas_of(new) if new is not None else 0
    surge, _ = fenceposts(d)
    current = sum(replicas_of(rs) for rs in all_sets)
    if current >= replicas + surge:
        return current_new
    return current_new + min(replicas + surge - current, max(0, replicas - current_new))


def scale_down_old(
    d: Deployment, all_sets: Sequence[ReplicaSet], old: Sequence[ReplicaSet], new: ReplicaSet | None
) -> Sizes:
    """New sizes for old ReplicaSets (reconcileOldReplicaSets); empty when none may shrink."""
    if sum(replicas_of(rs) for rs in old) == 0:
        return {}
    sizes = {rs.metadata.name or "": replicas_of(rs) for rs in all_sets}
    replicas = d.spec.replicas or 0
    min_available = replicas - max_unavailable(d)
    new_unavailable = (replicas_of(new) - available_of(new)) if new is not None else 0
    budget = sum(sizes.values()) - min_available - new_unavailable
    if budget <= 0:
        return {}
    out: Sizes = {}
    cleaned = 0
    for rs in oldest_first(old):  # old pods that are not available go first, free of cost
        name = rs.metadata.name or ""
        if cleaned >= budget:
            break
        unhealthy = sizes[name] - available_of(rs)
        if sizes[name] == 0 or unhealthy <= 0:
            continue
        step = min(budget - cleaned, unhealthy)
        sizes[name] -= step
        out[name] = sizes[name]
        cleaned += step
    available = sum(available_of(rs) for rs in all_sets)
    total = available - min_available
    if total <= 0:
        return out
    done = 0
    for rs in oldest_first(old):
        name = rs.metadata.name or ""
        if done >= total:
            break
        if sizes[name] == 0:
            continue
        step = min(sizes[name], total - done)
        sizes[name] -= step
        out[name] = sizes[name]
        done += step
    return out


def is_scaling_event(d: Deployment, sets: Sequence[ReplicaSet | None]) -> bool:
    """Some active ReplicaSet was sized for another ``spec.replicas`` (isScalingEvent)."""
    for rs in active(sets):
        desired = int_annotation(rs, DESIRED_REPLICAS)
        if desired is not None and desired != (d.spec.replicas or 0):
            return True
    return False


def _go_round(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def _fraction(rs: ReplicaSet, d: Deployment) -> int:
    replicas = d.spec.replicas or 0
    if replicas == 0:
        return -replicas_of(rs)
    allowed = replicas + fenceposts(d)[0]
    annotated = int_annotation(rs, MAX_REPLICAS)
    if annotated is None:
        annotated = d.status.replicas or 0
    if annotated == 0:
        return 0
    return _go_round(replicas_of(rs) * allowed / annotated) - replicas_of(rs)


def saturated(d: Deployment, new: ReplicaSet | None) -> bool:
    """The new ReplicaSet holds every replica, all available (IsSaturated)."""
    if new is None:
        return False
    replicas = d.spec.replicas or 0
    return (
        int_annotation(new, DESIRED_REPLICAS) == replicas
        and replicas_of(new) == replicas
        and available_of(new) == replicas
    )


def proportional(d: Deployment, new: ReplicaSet | None, old: Sequence[ReplicaSet]) -> Sizes:
    """New sizes after ``spec.replicas`` changed (the controller's `scale`)."""
    replicas = d.spec.replicas or 0
    newest_old = sorted(old, key=_created, reverse=True)
    candidates = active([*newest_old, new])
    if len(candidates) <= 1:
        target = candidates[0] if candidates else (new or (newest_old[0] if newest_old else None))
        if target is None or replicas_of(target) == replicas:
            return {}
        return {target.metadata.name or "": replicas}
    if saturated(d, new):
        return {rs.metadata.name or "": 0 for rs in active(old)}
    if not is_rolling(d):
        return {}
    allowed = replicas + fenceposts(d)[0] if replicas > 0 else 0
    to_add = allowed - sum(replicas_of(rs) for rs in candidates)
    if to_add > 0:  # biggest first, newer first among equals
        candidates.sort(key=lambda rs: (-replicas_of(rs), -_created_seconds(rs)))
    else:  # biggest first, older first among equals
        candidates.sort(key=lambda rs: (-replicas_of(rs), _created(rs)))
    sizes = {rs.metadata.name or "": replicas_of(rs) for rs in candidates}
    added = 0
    if to_add != 0:
        for rs in candidates:
            if replicas_of(rs) == 0 or to_add == added:
                continue
            room = to_add - added
            part = _fraction(rs, d)
            part = min(part, room) if to_add > 0 else max(part, room)
            sizes[rs.metadata.name or ""] += part
            added += part
        first = candidates[0].metadata.name or ""
        sizes[first] = max(0, sizes[first] + to_add - added)
    return {
        name: size
        for name, size in sizes.items()
        if size != replicas_of(next(rs for rs in candidates if rs.metadata.name == name))
    }


__all__ = [
    "Sizes",
    "active",
    "available_of",
    "fenceposts",
    "is_rolling",
    "is_scaling_event",
    "max_unavailable",
    "new_replicas",
    "oldest_first",
    "proportional",
    "replicas_of",
    "saturated",
    "scale_down_old",
]
