"""The Deployment controller: rolling updates within their bounds, Recreate, revisions, status."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from components.controllers.deployment import DeploymentController
from components.controllers.deployment.revisions import HASH_LABEL, REVISION, template_hash
from components.controllers.replicaset import ReplicaSetController
from kernel.controller import run_reconciler
from kernel.objects import (
    Deployment,
    DeploymentSpec,
    DeploymentStrategy,
    IntOrString,
    LabelSelector,
    ObjectMeta,
    Pod,
    ReplicaSet,
    RollingUpdateDeployment,
)

from .conftest import Cluster, fake_kubelet, template, wait_until


def deployment(replicas: int = 4, image: str = "kubelab/sleep", **spec: object) -> Deployment:
    return Deployment(
        metadata=ObjectMeta(name="web", namespace="default"),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(match_labels={"app": "web"}),
            template=template("web", image),
            **spec,  # type: ignore[arg-type]
        ),
    )


@asynccontextmanager
async def controllers(cluster: Cluster, kubelet_delay: float = 2.0) -> AsyncIterator[trio.Nursery]:
    async with trio.open_nursery() as nursery:
        for reconciler in (
            ReplicaSetController(clock=cluster.wall),
            DeploymentController(clock=cluster.wall),
        ):
            await nursery.start(functools.partial(run_reconciler, reconciler, cluster.client))
        nursery.start_soon(fake_kubelet, cluster.client, cluster.wall, kubelet_delay)
        yield nursery
        nursery.cancel_scope.cancel()


async def _live_pods(cluster: Cluster) -> list[Pod]:
    return [
        p
        for p in (await cluster.client.list(Pod, "default")).items
        if p.metadata.deletion_timestamp is None
    ]


def _image(pod: Pod) -> str:
    return pod.spec.containers[0].image or ""


async def _rolled_out(cluster: Cluster, image: str, replicas: int) -> bool:
    d = await cluster.client.get(Deployment, "web")
    pods = await _live_pods(cluster)
    return (
        len(pods) == replicas
        and all(_image(p) == image and p.status.phase == "Running" for p in pods)
        and d.status.updated_replicas == replicas
        and d.status.available_replicas == replicas
        and d.status.observed_generation == d.metadata.generation
    )


async def test_a_rolling_update_stays_within_max_surge_and_max_unavailable(
    cluster: Cluster, autojump_clock: object
) -> None:
    """4 replicas, 25%/25%: never more than 5 pods, never fewer than 3 available, checked on
    every change of the pod list."""
    await cluster.client.create(deployment(replicas=4, image="v1"))
    async with controllers(cluster):
        await wait_until(lambda: _rolled_out(cluster, "v1", 4))
        await cluster.client.patch(
            Deployment,
            "web",
            {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "v2"}]}}}},
        )
        most, least = 0, 99
        with trio.fail_after(300):
            while not await _rolled_out(cluster, "v2", 4):
                pods = (await cluster.client.list(Pod, "default")).items
                alive = [p for p in pods if p.metadata.deletion_timestamp is None]
                ready = [p for p in alive if p.status.phase == "Running"]
                most, least = max(most, len(pods)), min(least, len(ready))
                await trio.sleep(0.05)
        assert most <= 5, f"{most} pods exist at once: more than replicas + maxSurge (4 + 1)"
        assert least >= 3, f"only {least} available: fewer than replicas - maxUnavailable (4 - 1)"
        sets = (await cluster.client.list(ReplicaSet, "default")).items
        assert sorted(rs.metadata.annotations[REVISION] for rs in sets) == ["1", "2"]
        d = await cluster.client.get(Deployment, "web")
        assert d.metadata.annotations[REVISION] == "2"
        conds = {c.type: (c.status, c.reason) for c in d.status.conditions}
        assert conds == {
            "Available": ("True", "MinimumReplicasAvailable"),
            "Progressing": ("True", "NewReplicaSetAvailable"),
        }


async def test_replicasets_are_named_and_labelled_by_pod_template_hash(
    cluster: Cluster, autojump_clock: object
) -> None:
    await cluster.client.create(deployment(replicas=2))
    async with controllers(cluster):
        await wait_until(lambda: _rolled_out(cluster, "kubelab/sleep", 2))
        d = await cluster.client.get(Deployment, "web")
        (rs,) = (await cluster.client.list(ReplicaSet, "default")).items
        expected = template_hash(d.spec.template)
        assert rs.metadata.name == f"web-{expected}"
        assert rs.spec.selector.match_labels == {"app": "web", HASH_LABEL: expected}
        assert all(p.metadata.labels[HASH_LABEL] == expected for p in await _live_pods(cluster))
        (ref,) = rs.metadata.owner_references
        assert (ref.kind, ref.uid, ref.controller) == ("Deployment", d.metadata.uid, True)


async def test_recreate_removes_every_old_pod_before_starting_new_ones(
    cluster: Cluster, autojump_clock: object
) -> None:
    await cluster.client.create(
        deployment(replicas=3, image="v1", strategy=DeploymentStrategy(type="Recreate"))
    )
    async with controllers(cluster):
        await wait_until(lambda: _rolled_out(cluster, "v1", 3))
        await cluster.client.patch(
            Deployment,
            "web",
            {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "v2"}]}}}},
        )
        mixed = False
        with trio.fail_after(300):
            while not await _rolled_out(cluster, "v2", 3):
                images = {_image(p) for p in (await cluster.client.list(Pod, "default")).items}
                mixed = mixed or images == {"v1", "v2"}
                await trio.sleep(0.05)
        assert not mixed, "old and new pods ran at the same time under Recreate"


async def test_scaling_mid_rollout_and_history_limit(
    cluster: Cluster, autojump_clock: object
) -> None:
    await cluster.client.create(deployment(replicas=2, image="v1", revision_history_limit=1))
    async with controllers(cluster):
        await wait_until(lambda: _rolled_out(cluster, "v1", 2))
        for image in ("v2", "v3"):
            await cluster.client.patch(
                Deployment,
                "web",
                {
                    "spec": {
                        "template": {"spec": {"containers": [{"name": "main", "image": image}]}}
                    }
                },
            )
            await wait_until(lambda image=image: _rolled_out(cluster, image, 2))

        async def pruned() -> bool:
            sets = (await cluster.client.list(ReplicaSet, "default")).items
            return sorted(rs.metadata.annotations[REVISION] for rs in sets) == ["2", "3"]

        await wait_until(pruned)  # revision 1 deleted: only one old ReplicaSet is kept
        await cluster.client.patch(Deployment, "web", {"spec": {"replicas": 5}})
        await wait_until(lambda: _rolled_out(cluster, "v3", 5))


async def test_max_surge_rounds_up_and_max_unavailable_rounds_down() -> None:
    from components.controllers.deployment.plan import fenceposts

    def posts(replicas: int, surge: str | int, unavailable: str | int) -> tuple[int, int]:
        ru = RollingUpdateDeployment(
            max_surge=IntOrString(surge), max_unavailable=IntOrString(unavailable)
        )
        d = deployment(
            replicas, strategy=DeploymentStrategy(type="RollingUpdate", rolling_update=ru)
        )
        return fenceposts(d)

    assert posts(10, "25%", "25%") == (3, 2)
    assert posts(3, "25%", "25%") == (1, 0)
    assert posts(4, 0, 0) == (0, 1)
    assert posts(1, "10%", "10%") == (1, 0)
