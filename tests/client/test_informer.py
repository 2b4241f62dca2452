"""Informer: sync from a list, follow the watch, resume after a disconnect, relist on 410."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from components.apiserver import watch
from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.server import APIServer
from components.apiserver.watch_cache import Subscriber
from kernel.client.types import APIConnectionError
from kernel.informer import EventHandler, Informer
from kernel.interfaces.store import Store
from kernel.objects import Pod, from_dict
from kernel.registry import load


def pod(name: str, node: str | None = None) -> Pod:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return from_dict(
        {
            "apiVersion": "v1",
            "kind": "Pod",  # type: ignore[return-value]
            "metadata": {"name": name, "namespace": "default"},
            "spec": spec,
        }
    )


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    async with load("store", "memory")() as opened:  # type: ignore[operator]
        yield opened


@pytest.fixture
async def client(store: Store) -> InProcessClient:
    server = APIServer(store, rng=random.Random(5))
    await server.start()
    return InProcessClient(server)


class Recorder:
    """An EventHandler that logs what it was told."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def handler(self) -> EventHandler[Pod]:
        return EventHandler(
            on_add=lambda p: self.log.append(f"add {p.metadata.name}"),
            on_update=lambda o, n: self.log.append(f"update {n.metadata.name}"),
            on_delete=lambda p: self.log.append(f"delete {p.metadata.name}"),
        )


async def eventually(check: Callable[[], bool]) -> None:
    with trio.fail_after(5):
        while not check():
            await trio.sleep(0.01)


async def test_informer_syncs_then_follows_the_watch(client: InProcessClient) -> None:
    await client.create(pod("a", node="n1"))
    informer = Informer(client, Pod, "default")
    informer.cache.add_index("node", lambda p: [p.spec.node_name] if p.spec.node_name else [])
    seen = Recorder()
    informer.add_handler(seen.handler())
    async with trio.open_nursery() as nursery:
        await nursery.start(informer.run)
        assert informer.has_synced
        assert informer.cache.keys() == ["default/a"]
        await client.create(pod("b", node="n1"))
        await client.patch(Pod, "a", {"metadata": {"labels": {"x": "1"}}})
        await client.delete(Pod, "b", grace_period_seconds=0)
        await eventually(lambda: len(seen.log) == 4)
        assert seen.log == ["add a", "add b", "update a", "delete b"]
        assert [p.metadata.name for p in informer.cache.by_index("node", "n1")] == ["a"]
        assert informer.cache.get("default/a").metadata.labels == {"x": "1"}  # type: ignore[union-attr]
        nursery.cancel_scope.cancel()


class FlakyClient:
    """Delegates to a client; its watches break on demand (as a dropped connection would)."""

    def __init__(self, inner: InProcessClient) -> None:
        self.inner = inner
        self.broken = trio.Event()
        self.watch_versions: list[str | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @asynccontextmanager
    async def watch(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        self.watch_versions.append(kwargs.get("resource_version"))
        if len(self.watch_versions) == 1:
            await self.broken.wait()
            raise APIConnectionError("connection reset", definite=False)
        async with self.inner.watch(*args, **kwargs) as events:
            yield events


async def test_informer_resumes_from_its_version_and_relists_on_410(
    client: InProcessClient, store: Store
) -> None:
    await client.create(pod("a"))
    flaky = FlakyClient(client)
    informer = Informer(flaky, Pod, "default", retry_delay=0.01)  # type: ignore[arg-type]
    seen = Recorder()
    informer.add_handler(seen.handler())
    async with trio.open_nursery() as nursery:
        await nursery.start(informer.run)
        synced_at = informer.resource_version
        # while the watch is down: a new pod, a deleted pod, and the history compacted away
        await client.create(pod("b"))
        await client.delete(Pod, "a", grace_period_seconds=0)
        await store.compact((await store.status()).revision)
        flaky.broken.set()
        await eventually(lambda: informer.statistics().lists == 2)
        assert flaky.watch_versions[:2] == [synced_at, synced_at]  # resumed, then 410
        assert informer.cache.keys() == ["default/b"]
        assert seen.log == ["add a", "add b", "delete a"]
        await client.create(pod("c"))  # and the watch after the relist is live
        await eventually(lambda: "add c" in seen.log)
        nursery.cancel_scope.cancel()


class SlowClient:
    """A client whose watch consumer dawdles on each event (a slow informer)."""

    def __init__(self, inner: InProcessClient) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @asynccontextmanager
    async def watch(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async with self.inner.watch(*args, **kwargs) as events:
            yield _Dawdling(events)


class _Dawdling:
    def __init__(self, events: Any) -> None:
        self.events = events

    def __aiter__(self) -> _Dawdling:
        return self

    async def __anext__(self) -> Any:
        await trio.sleep(0.02)
        return await self.events.__anext__()


async def test_an_informer_cut_off_as_too_slow_relists_and_catches_up(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch, "CHANNEL_SIZE", 4)  # a tiny per-watcher buffer
    drops: list[Subscriber] = []
    real_drop = Subscriber._drop
    monkeypatch.setattr(Subscriber, "_drop", lambda sub: (drops.append(sub), real_drop(sub)))
    server = APIServer(store, rng=random.Random(5))
    await server.start()
    client = InProcessClient(server)
    informer = Informer(SlowClient(client), Pod, "default", retry_delay=0.01)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(server.watch_cache.run)  # in-process watches share the cache
        await nursery.start(informer.run)
        assert server.watch_cache._hubs  # the informer's watch is a shared one
        for i in range(20):
            await client.create(pod(f"p{i}"))
        await eventually(lambda: len(informer.cache.keys()) == 20)
        assert drops  # it was cut off (410 "too slow") ...
        assert informer.statistics().lists >= 2  # ... and re-listed to recover
        nursery.cancel_scope.cancel()
