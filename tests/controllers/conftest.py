"""An in-process API server on virtual time, and helpers to run controllers against it."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable

import attrs
import pytest
import trio

from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.server import APIServer
from kernel.objects import (
    Container,
    LabelSelector,
    ObjectMeta,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
    format_time,
)
from kernel.registry import load

EPOCH = 1_800_000_000.0


class VirtualWall:
    """Wall time that follows trio's (virtual) clock, so timestamps move with the MockClock."""

    def now(self) -> float:
        return EPOCH + trio.current_time()


@attrs.define
class Cluster:
    server: APIServer
    client: InProcessClient
    wall: VirtualWall


@pytest.fixture
async def cluster(autojump_clock: trio.testing.MockClock) -> AsyncIterator[Cluster]:
    wall = VirtualWall()
    async with load("store", "memory")() as store:  # type: ignore[operator]
        server = APIServer(store, clock=wall, rng=random.Random(7))
        await server.start()
        yield Cluster(server, InProcessClient(server), wall)


def template(app: str = "web", image: str = "kubelab/sleep") -> PodTemplateSpec:
    return PodTemplateSpec(
        metadata=ObjectMeta(labels={"app": app}),
        spec=PodSpec(containers=(Container(name="main", image=image),)),
    )


def replica_set(
    name: str = "web", replicas: int = 3, app: str = "web", **spec: object
) -> ReplicaSet:
    return ReplicaSet(
        metadata=ObjectMeta(name=name, namespace="default"),
        spec=ReplicaSetSpec(
            replicas=replicas,
            selector=LabelSelector(match_labels={"app": app}),
            template=template(app),
            **spec,  # type: ignore[arg-type]
        ),
    )


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 120.0) -> None:
    """Poll `check` in virtual time until it holds (fails the test after `timeout`)."""
    with trio.fail_after(timeout):
        while not await check():
            await trio.sleep(0.1)


async def mark_ready(client: InProcessClient, pod: Pod, wall: VirtualWall, node: str = "") -> Pod:
    """Play the kubelet: bind (optionally) and report the pod Running and Ready now."""
    if node and not pod.spec.node_name:
        await client.bind(pod.metadata.name or "", node, pod.metadata.namespace or "default")
        pod = await client.get(Pod, pod.metadata.name or "", pod.metadata.namespace or "default")
    status = PodStatus(
        phase="Running",
        conditions=(
            PodCondition(type="Ready", status="True", last_transition_time=format_time(wall.now())),
        ),
    )
    return await client.update_status(attrs.evolve(pod, status=status))


async def fake_kubelet(client: InProcessClient, wall: VirtualWall, delay: float = 2.0) -> None:
    """Marks every pod Running and Ready `delay` seconds after it appears (no real node)."""
    seen: dict[str, float] = {}
    while True:
        for pod in (await client.list(Pod, None)).items:
            uid = pod.metadata.uid or ""
            if pod.metadata.deletion_timestamp is not None or pod.status.phase == "Running":
                continue
            first = seen.setdefault(uid, trio.current_time())
            if trio.current_time() - first >= delay:
                with contextlib.suppress(Exception):
                    await mark_ready(client, pod, wall)
        await trio.sleep(0.5)
