"""The ReplicaSet controller: replicas kept, owners stamped, stale caches, conflicts, adoption."""

from __future__ import annotations

import functools

import attrs
import trio

from components.controllers.replicaset import ReplicaSetController
from kernel.clock import TRIO_TIMERS
from kernel.controller import EventRecorder, run_reconciler
from kernel.informer import Informer, object_key
from kernel.interfaces.controller import DONE, REQUEUE, ReconcileContext, Reconciler
from kernel.objects import Event, ObjectMeta, Pod, ReplicaSet

from .conftest import Cluster, mark_ready, replica_set, template, wait_until


async def _owned(cluster: Cluster, rs_name: str = "web") -> list[Pod]:
    pods = (await cluster.client.list(Pod, "default")).items
    return [
        p
        for p in pods
        if any(r.name == rs_name for r in p.metadata.owner_references)
        and p.metadata.deletion_timestamp is None
    ]


def _context(cluster: Cluster) -> tuple[ReconcileContext, Informer[ReplicaSet], Informer[Pod]]:
    sets: Informer[ReplicaSet] = Informer(cluster.client, ReplicaSet)
    pods: Informer[Pod] = Informer(cluster.client, Pod)
    events = EventRecorder(cluster.client, "replicaset-controller", clock=cluster.wall)
    return ReconcileContext(cluster.client, (sets, pods), events, TRIO_TIMERS), sets, pods


async def test_creates_the_replicas_each_controlled_by_the_replicaset(
    cluster: Cluster, autojump_clock: object
) -> None:
    controller = ReplicaSetController(clock=cluster.wall)
    assert isinstance(controller, Reconciler)
    rs = await cluster.client.create(replica_set(replicas=3))
    async with trio.open_nursery() as nursery:
        running = await nursery.start(functools.partial(run_reconciler, controller, cluster.client))

        async def three() -> bool:
            got = await cluster.client.get(ReplicaSet, "web")
            return len(await _owned(cluster)) == 3 and got.status.replicas == 3

        await wait_until(three)
        for pod in await _owned(cluster):
            (ref,) = pod.metadata.owner_references
            assert (ref.kind, ref.uid, ref.controller, ref.block_owner_deletion) == (
                "ReplicaSet", rs.metadata.uid, True, True,
            )  # fmt: skip
            assert pod.metadata.name.startswith("web-")
            assert pod.metadata.labels == {"app": "web"}
        await running.events.flush()
        reasons = [e.reason for e in (await cluster.client.list(Event, "default")).items]
        assert reasons.count("SuccessfulCreate") == 3
        nursery.cancel_scope.cancel()


async def test_a_deleted_pod_is_replaced_and_status_counts_ready_pods(
    cluster: Cluster, autojump_clock: object
) -> None:
    await cluster.client.create(replica_set(replicas=2))
    async with trio.open_nursery() as nursery:
        await nursery.start(
            functools.partial(
                run_reconciler, ReplicaSetController(clock=cluster.wall), cluster.client
            )
        )
        await wait_until(lambda: _count(cluster, 2))
        first, second = await _owned(cluster)
        await mark_ready(cluster.client, first, cluster.wall)
        await cluster.client.delete(Pod, second.metadata.name, "default")

        async def replaced() -> bool:
            names = {p.metadata.name for p in await _owned(cluster)}
            rs = await cluster.client.get(ReplicaSet, "web")
            return (
                len(names) == 2
                and second.metadata.name not in names
                and rs.status.ready_replicas == 1
                and rs.status.available_replicas == 1
                and rs.status.observed_generation == rs.metadata.generation
            )

        await wait_until(replaced)
        nursery.cancel_scope.cancel()


async def _count(cluster: Cluster, n: int) -> bool:
    return len(await _owned(cluster)) == n


async def test_scale_down_deletes_unscheduled_then_not_ready_pods_first(
    cluster: Cluster, autojump_clock: object
) -> None:
    await cluster.client.create(replica_set(replicas=4))
    async with trio.open_nursery() as nursery:
        await nursery.start(
            functools.partial(
                run_reconciler, ReplicaSetController(clock=cluster.wall), cluster.client
            )
        )
        await wait_until(lambda: _count(cluster, 4))
        pods = sorted(await _owned(cluster), key=lambda p: p.metadata.name)
        # pods[0]: unscheduled; pods[1]: bound, not ready; pods[2], pods[3]: bound and ready
        await cluster.client.bind(pods[1].metadata.name, "node-a", "default")
        await mark_ready(cluster.client, pods[2], cluster.wall, node="node-a")
        await trio.sleep(5)
        await mark_ready(cluster.client, pods[3], cluster.wall, node="node-b")
        await cluster.client.patch(ReplicaSet, "web", {"spec": {"replicas": 2}})
        await wait_until(lambda: _count(cluster, 2))
        left = {p.metadata.name for p in await _owned(cluster)}
        assert left == {pods[2].metadata.name, pods[3].metadata.name}
        # one more: pods[2] shares node-a with the bound pod? no longer; both ready, pods[3]
        # became ready 5 s later but in the same log2 bucket -> same-node rank decides nothing,
        # readiness buckets tie, so uid order decides; either way exactly one remains.
        await cluster.client.patch(ReplicaSet, "web", {"spec": {"replicas": 1}})
        await wait_until(lambda: _count(cluster, 1))
        nursery.cancel_scope.cancel()


async def test_a_stale_cache_never_makes_it_create_twice(
    cluster: Cluster, autojump_clock: object
) -> None:
    """Two reconciles before the cache shows the first one's pods create 3 pods, not 6."""
    rs = await cluster.client.create(replica_set(replicas=3))
    ctx, sets, pods = _context(cluster)
    sets.cache.put(object_key(rs), rs)
    controller = ReplicaSetController(clock=cluster.wall)
    await controller.reconcile("default/web", ctx)
    rs = await cluster.client.get(ReplicaSet, "web")
    sets.cache.put(object_key(rs), rs)
    await controller.reconcile("default/web", ctx)  # the pod cache is still empty
    assert len(await _owned(cluster)) == 3
    assert controller.expectations is not None
    assert controller.expectations.pending("default/web") == 3
    for pod in await _owned(cluster):  # the cache catches up: the owner is satisfied
        pods.cache.put(object_key(pod), pod)
    await controller.reconcile("default/web", ctx)
    assert controller.expectations.pending("default/web") == 0
    assert len(await _owned(cluster)) == 3


async def test_expectations_expire_so_a_lost_event_cannot_wedge_the_owner(
    cluster: Cluster, autojump_clock: object
) -> None:
    rs = await cluster.client.create(replica_set(replicas=1))
    ctx, sets, _ = _context(cluster)
    sets.cache.put(object_key(rs), rs)
    controller = ReplicaSetController(clock=cluster.wall, expectations_ttl=60)
    await controller.reconcile("default/web", ctx)
    (pod,) = await _owned(cluster)
    await cluster.client.delete(Pod, pod.metadata.name, "default")  # never seen by the cache
    rs = await cluster.client.get(ReplicaSet, "web")
    sets.cache.put(object_key(rs), rs)
    await controller.reconcile("default/web", ctx)
    assert await _owned(cluster) == []
    await trio.sleep(61)
    await controller.reconcile("default/web", ctx)
    assert len(await _owned(cluster)) == 1


async def test_a_conflicting_status_write_requeues(
    cluster: Cluster, autojump_clock: object
) -> None:
    rs = await cluster.client.create(replica_set(replicas=1))
    ctx, sets, pods = _context(cluster)
    sets.cache.put(object_key(rs), rs)  # the cache keeps this version...
    await cluster.client.patch(ReplicaSet, "web", {"metadata": {"labels": {"x": "y"}}})
    controller = ReplicaSetController(clock=cluster.wall)
    assert await controller.reconcile("default/web", ctx) is REQUEUE  # ...the server moved on
    fresh = await cluster.client.get(ReplicaSet, "web")
    sets.cache.put(object_key(fresh), fresh)
    for pod in await _owned(cluster):
        pods.cache.put(object_key(pod), pod)
    assert await controller.reconcile("default/web", ctx) is DONE
    assert (await cluster.client.get(ReplicaSet, "web")).status.replicas == 1


async def test_orphans_are_adopted_and_mismatched_pods_released(
    cluster: Cluster, autojump_clock: object
) -> None:
    orphan = Pod(metadata=ObjectMeta(name="stray", labels={"app": "web"}), spec=template().spec)
    await cluster.client.create(orphan)
    await cluster.client.create(replica_set(replicas=2))
    async with trio.open_nursery() as nursery:
        await nursery.start(
            functools.partial(
                run_reconciler, ReplicaSetController(clock=cluster.wall), cluster.client
            )
        )
        await wait_until(lambda: _count(cluster, 2))
        names = {p.metadata.name for p in await _owned(cluster)}
        assert "stray" in names  # adopted, so only one new pod was made
        await cluster.client.patch(Pod, "stray", {"metadata": {"labels": {"app": "other"}}})

        async def released() -> bool:
            stray = await cluster.client.get(Pod, "stray")
            owned = await _owned(cluster)
            return stray.metadata.owner_references == () and len(owned) == 2

        await wait_until(released)
        nursery.cancel_scope.cancel()


async def test_min_ready_seconds_delays_availability(
    cluster: Cluster, autojump_clock: object
) -> None:
    await cluster.client.create(replica_set(replicas=1, min_ready_seconds=30))
    async with trio.open_nursery() as nursery:
        await nursery.start(
            functools.partial(
                run_reconciler, ReplicaSetController(clock=cluster.wall), cluster.client
            )
        )
        await wait_until(lambda: _count(cluster, 1))
        (pod,) = await _owned(cluster)
        await mark_ready(cluster.client, pod, cluster.wall)
        await trio.sleep(10)
        rs = await cluster.client.get(ReplicaSet, "web")
        assert (rs.status.ready_replicas, rs.status.available_replicas) == (1, 0)

        async def available() -> bool:
            got = await cluster.client.get(ReplicaSet, "web")
            return got.status.available_replicas == 1

        await wait_until(available, timeout=40)
        nursery.cancel_scope.cancel()


async def test_a_failed_create_is_reported_and_retried(
    cluster: Cluster, autojump_clock: object
) -> None:
    bad = replica_set(replicas=1)
    rs = await cluster.client.create(bad)
    ctx, sets, _ = _context(cluster)
    broken = attrs.evolve(rs, spec=attrs.evolve(rs.spec, template=attrs.evolve(
        rs.spec.template, spec=attrs.evolve(rs.spec.template.spec, containers=()))))  # fmt: skip
    sets.cache.put(object_key(broken), broken)
    controller = ReplicaSetController(clock=cluster.wall)
    assert await controller.reconcile("default/web", ctx) is REQUEUE
    got = await cluster.client.get(ReplicaSet, "web")
    (cond,) = got.status.conditions
    assert (cond.type, cond.reason) == ("ReplicaFailure", "FailedCreate")
    await ctx.events.flush()
    events = (await cluster.client.list(Event, "default")).items
    assert [e.reason for e in events] == ["FailedCreate"]
