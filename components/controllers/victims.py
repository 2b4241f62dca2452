"""Which pods a ReplicaSet deletes first when it scales down: Kubernetes' ActivePodsWithRanks.

Pods are compared rule by rule; the first rule that tells two pods apart decides. The pod that
sorts first is deleted first:

1. not yet scheduled before scheduled;
2. Pending before Unknown before Running;
3. not ready before ready;
4. lower ``controller.kubernetes.io/pod-deletion-cost`` before higher;
5. more pods of the same owner on its node before fewer (spreading what stays);
6. both ready: ready more recently before ready longer, compared in powers-of-two buckets of
   the time since (LogarithmicScaleDown), ties in a bucket by uid;
7. more container restarts before fewer;
8. created more recently before earlier (the same buckets, ties by uid).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence

from components.controllers.pods import is_active, ready_since, stamp_seconds
from kernel.objects import Pod

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_cost(pod: Pod) -> int:
    """The pod-deletion-cost annotation (0 when absent or not an int32, as Kubernetes)."""
    text = pod.metadata.annotations.get(DELETION_COST)
    try:
        value = int(text) if text is not None else 0
    except ValueError:
        return 0
    return value if -(2**31) <= value < 2**31 else 0


def _log_rank(moment: float, now: float) -> int:
    nanos = (now - moment) * 1e9
    return int(math.log2(nanos)) if nanos > 0 else -1


def _newer_first(
    t1: float | None, t2: float | None, now: float | None, uids: tuple[str, str]
) -> bool:
    """Rules 6 and 8: empty time first, then the more recent (in log2 buckets when `now`)."""
    if not t1 or not t2 or now is None:
        if not t1 or not t2:
            return not t1
        return t1 > t2
    diff = _log_rank(t1, now) - _log_rank(t2, now)
    if diff == 0:
        return uids[0] < uids[1]
    return diff < 0


def _max_restarts(pod: Pod) -> int:
    return max((c.restart_count or 0 for c in pod.status.container_statuses), default=0)


def _compare(a: tuple[Pod, int], b: tuple[Pod, int], now: float | None) -> int:
    return -1 if _deleted_before(a, b, now) else (1 if _deleted_before(b, a, now) else 0)


def _deleted_before(a: tuple[Pod, int], b: tuple[Pod, int], now: float | None) -> bool:
    (p, rank_p), (q, rank_q) = a, b
    node_p, node_q = p.spec.node_name or "", q.spec.node_name or ""
    if node_p != node_q and (not node_p or not node_q):
        return not node_p
    phase_p = PHASE_ORDINAL.get(p.status.phase or "", 0)
    phase_q = PHASE_ORDINAL.get(q.status.phase or "", 0)
    if phase_p != phase_q:
        return phase_p < phase_q
    ready_p, ready_q = ready_since(p), ready_since(q)
    if (ready_p is None) != (ready_q is None):
        return ready_p is None
    cost_p, cost_q = deletion_cost(p), deletion_cost(q)
    if cost_p != cost_q:
        return cost_p < cost_q
    if rank_p != rank_q:
        return rank_p > rank_q
    uids = (p.metadata.uid or "", q.metadata.uid or "")
    if ready_p is not None and ready_q is not None and ready_p != ready_q:
        return _newer_first(ready_p, ready_q, now, uids)
    restarts_p, restarts_q = _max_restarts(p), _max_restarts(q)
    if restarts_p != restarts_q:
        return restarts_p > restarts_q
    made_p = stamp_seconds(p.metadata.creation_timestamp)
    made_q = stamp_seconds(q.metadata.creation_timestamp)
    if made_p != made_q:
        return _newer_first(made_p, made_q, now, uids)
    return False


def ranks_by_node(pods: Sequence[Pod], related: Sequence[Pod]) -> list[int]:
    """Rule 5's rank of each pod: how many active `related` pods share its node."""
    on_node = Counter(p.spec.node_name or "" for p in related if is_active(p))
    return [on_node[p.spec.node_name or ""] for p in pods]


def pods_to_delete(
    pods: Sequence[Pod], count: int, *, related: Sequence[Pod] | None = None, now: float | None
) -> list[Pod]:
    """The `count` pods to delete first; `related` are the owner's (and siblings') pods."""
    if count <= 0:
        return []
    ranked = list(
        zip(pods, ranks_by_node(pods, related if related is not None else pods), strict=True)
    )
    ranked.sort(key=functools.cmp_to_key(lambda a, b: _compare(a, b, now)))
    return [pod for pod, _ in ranked[:count]]


__all__ = ["DELETION_COST", "deletion_cost", "pods_to_delete", "ranks_by_node"]
