"""The ReplicaSet controller: keep ``spec.replicas`` active pods matching the selector.

Level-based, as Kubernetes' replica_set.go: each reconcile claims the pods (adopting orphans,
releasing mismatches), compares the active ones with ``spec.replicas`` and creates or deletes
the difference (at most `burst_replicas` per pass, creations in slow-start batches of 1, 2,
4... that stop at the first failure), deleting in Kubernetes' victim order (`victims`). It
acts only once `Expectations` says the cache shows its previous writes, so a stale cache never
makes it over-create. Status (replicas, fullyLabeled, ready, available, observedGeneration,
the ReplicaFailure condition) is written through ``/status`` with the resourceVersion read,
so a conflict requeues rather than overwriting someone's newer write.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from components.controllers.expectations import EXPECTATIONS_TTL, Expectations
from components.controllers.ownership import claim, selects
from components.controllers.pods import (
    controller_ref,
    is_active,
    is_available,
    is_ready,
    is_terminating,
    pod_from_template,
)
from components.controllers.victims import pods_to_delete
from kernel.api.errors import Conflict, NotFound, StatusError
from kernel.client.types import APIConnectionError
from kernel.clock import Clock, WallClock
from kernel.controller import NORMAL, WARNING
from kernel.informer import NAMESPACE_INDEX, Indexer, object_key
from kernel.interfaces.controller import (
    DONE,
    REQUEUE,
    ReconcileContext,
    Result,
    Watch,
    requeue_after,
)
from kernel.objects import Pod, ReplicaSet, ReplicaSetCondition, ReplicaSetStatus, format_time

BURST_REPLICAS = 500
"""Most pods created or deleted in one reconcile (Kubernetes' burstReplicas)."""


@attrs.frozen
class _Outcome:
    failure: ReplicaSetCondition | None = None


def _slow_start(total: int) -> Iterator[int]:
    size = 1
    while total > 0:
        batch = min(size, total)
        yield batch
        total -= batch
        size *= 2


def replica_status(
    rs: ReplicaSet, pods: Sequence[Pod], now: float, failure: ReplicaSetCondition | None
) -> ReplicaSetStatus:
    """The status `rs` should show for the pods it controls."""
    active = [p for p in pods if is_active(p)]
    template = rs.spec.template.metadata.labels if rs.spec.template else {}
    labelled = [
        p for p in active if all(p.metadata.labels.get(k) == v for k, v in template.items())
    ]
    min_ready = rs.spec.min_ready_seconds or 0
    conditions = tuple(c for c in rs.status.conditions if c.type != "ReplicaFailure")
    if failure is not None:
        old = next((c for c in rs.status.conditions if c.type == "ReplicaFailure"), None)
        same = old is not None and old.reason == failure.reason and old.message == failure.message
        conditions = (*conditions, old if same else failure)  # type: ignore[assignment]
    return ReplicaSetStatus(
        replicas=len(active),
        fully_labeled_replicas=len(labelled),
        ready_replicas=sum(1 for p in active if is_ready(p)),
        available_replicas=sum(1 for p in active if is_available(p, min_ready, now)),
        terminating_replicas=sum(1 for p in pods if is_terminating(p)),
        observed_generation=rs.metadata.generation,
        conditions=conditions,
    )


class ReplicaSetController:
    """Kubernetes' ReplicaSet controller as a `Reconciler`."""

    name = "replicaset-controller"

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        burst_replicas: int = BURST_REPLICAS,
        expectations_ttl: float = EXPECTATIONS_TTL,
    ) -> None:
        self.clock = clock or WallClock()
        """Wall time for availability (minReadySeconds) and victim ranking."""
        self.burst_replicas = burst_replicas
        self.expectations_ttl = expectations_ttl
        self.expectations: Expectations | None = None
        self._sets: Indexer[ReplicaSet] | None = None

    def watches(self) -> Sequence[Watch]:
        return [Watch(ReplicaSet), Watch(Pod, keys=self._pod_keys)]

    def _pod_keys(self, pod: Pod) -> Iterator[str]:
        """The owning ReplicaSet, or every ReplicaSet that could adopt an orphan."""
        namespace = pod.metadata.namespace or ""
        ref = controller_ref(pod)
        if ref is not None:
            if ref.kind == "ReplicaSet":
                yield f"{namespace}/{ref.name}"
            return
        if self._sets is not None:
            for rs in self._sets.by_index(NAMESPACE_INDEX, namespace):
                if selects(rs.spec.selector, pod):
                    yield object_key(rs)

    async def reconcile(self, key: str, ctx: ReconcileContext) -> Result:
        sets, pods = ctx.informer(ReplicaSet), ctx.informer(Pod)
        self._sets = sets.cache
        if self.expectations is None:
            self.expectations = Expectations(ctx.timers.now, self.expectations_ttl)
        rs = sets.cache.get(key)
        if rs is None:
            self.expectations.forget(key)
            return DONE
        namespace = rs.metadata.namespace or ""
        owned = await claim(
            ctx.client, rs, rs.spec.selector, pods.cache.by_index(NAMESPACE_INDEX, namespace)
        )
        active = [p for p in owned if is_active(p)]
        satisfied = self.expectations.satisfied(key, pods)
        outcome = _Outcome()
        if satisfied and rs.metadata.deletion_timestamp is None:
            related = self._related_pods(rs, pods.cache)
            outcome = await self._manage(rs, active, related, ctx)
        now = self.clock.now()
        status = replica_status(rs, owned, now, outcome.failure)
        result = await self._write_status(rs, status, ctx)
        if result is not DONE:
            return result
        if outcome.failure is not None:
            return REQUEUE
        if not satisfied:
            return requeue_after(max(self.expectations.expires_in(key), 1.0))
        min_ready = rs.spec.min_ready_seconds or 0
        if min_ready > 0 and status.ready_replicas != status.available_replicas:
            return requeue_after(float(min_ready))
        return DONE

    def _related_pods(self, rs: ReplicaSet, pods: Indexer[Pod]) -> list[Pod]:
        """Pods of `rs` and of its siblings (ReplicaSets of the same Deployment), for ranking."""
        namespace = rs.metadata.namespace or ""
        parent = controller_ref(rs)
        siblings = {rs.metadata.uid}
        if parent is not None and self._sets is not None:
            for other in self._sets.by_index(NAMESPACE_INDEX, namespace):
                ref = controller_ref(other)
                if ref is not None and ref.uid == parent.uid:
                    siblings.add(other.metadata.uid)
        out = []
        for pod in pods.by_index(NAMESPACE_INDEX, namespace):
            ref = controller_ref(pod)
            if ref is not None and ref.uid in siblings:
                out.append(pod)
        return out

    async def _manage(
        self, rs: ReplicaSet, active: list[Pod], related: list[Pod], ctx: ReconcileContext
    ) -> _Outcome:
        diff = len(active) - (rs.spec.replicas if rs.spec.replicas is not None else 1)
        if diff < 0:
            return await self._create(rs, min(-diff, self.burst_replicas), ctx)
        if diff > 0:
            victims = pods_to_delete(
                active, min(diff, self.burst_replicas), related=related, now=self.clock.now()
            )
            return await self._delete(rs, victims, ctx)
        return _Outcome()

    async def _create(self, rs: ReplicaSet, count: int, ctx: ReconcileContext) -> _Outcome:
        assert self.expectations is not None
        if rs.spec.template is None:
            return _Outcome()
        key = object_key(rs)
        for batch in _slow_start(count):
            for _ in range(batch):
                pod = pod_from_template(rs.spec.template, rs)
                try:
                    created = await ctx.client.create(pod, namespace=rs.metadata.namespace)
                except (StatusError, APIConnectionError) as err:
                    message = f"Error creating: {_reason(err)}"
                    ctx.events.event(rs, WARNING, "FailedCreate", message)
                    return _Outcome(self._failure("FailedCreate", message))
                self.expectations.expect_created(key, created)
                ctx.events.event(
                    rs, NORMAL, "SuccessfulCreate", f"Created pod: {created.metadata.name}"
                )
        return _Outcome()

    async def _delete(self, rs: ReplicaSet, victims: list[Pod], ctx: ReconcileContext) -> _Outcome:
        assert self.expectations is not None
        key = object_key(rs)
        for pod in victims:
            name, namespace = pod.metadata.name or "", pod.metadata.namespace or ""
            self.expectations.expect_deleted(key, pod)
            try:
                await ctx.client.delete(Pod, name, namespace, uid=pod.metadata.uid)
            except (NotFound, Conflict):
                continue  # already gone, or a new pod of that name: nothing of ours to delete
            except (StatusError, APIConnectionError) as err:
                message = f"Error deleting: {_reason(err)}"
                ctx.events.event(rs, WARNING, "FailedDelete", message)
                return _Outcome(self._failure("FailedDelete", message))
            ctx.events.event(rs, NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")
        return _Outcome()

    def _failure(self, reason: str, message: str) -> ReplicaSetCondition:
        return ReplicaSetCondition(
            type="ReplicaFailure",
            status="True",
            reason=reason,
            message=message,
            last_transition_time=format_time(self.clock.now()),
        )

    async def _write_status(
        self, rs: ReplicaSet, status: ReplicaSetStatus, ctx: ReconcileContext
    ) -> Result:
        if status == rs.status:
            return DONE
        try:
            await ctx.client.update_status(attrs.evolve(rs, status=status))
        except NotFound:
            return DONE
        except Conflict:
            return REQUEUE
        return DONE


def _reason(err: Exception) -> str:
    message: Any = getattr(err, "message", None)
    return str(message or err)


__all__ = ["BURST_REPLICAS", "ReplicaSetController", "replica_status"]
