"""Shared watches: one store watch per key range, the same events as private watches."""

from __future__ import annotations

from contextlib import AsyncExitStack

import trio

from components.apiserver.auth import ADMIN_USER
from components.apiserver.listing import ListOptions
from components.apiserver.server import APIServer
from components.apiserver.watch import Decoded, WatchSpec, WatchStream
from components.apiserver.watch_cache import Subscriber
from kernel.api.requests import Target
from kernel.api.selectors import Selection
from kernel.interfaces.store import EventType, KeyValue, WatchEvent
from kernel.objects import resource_for_kind
from tests.apiserver.fakes import pod

PODS = resource_for_kind("Pod")


async def create(server: APIServer, name: str, **labels: str) -> int:
    obj = await server.create(ADMIN_USER, Target(PODS, "default"), pod(name, labels=labels))
    return int(obj["metadata"]["resourceVersion"])


async def take(stream: WatchStream, n: int) -> list[tuple[str, str]]:
    out = []
    with trio.fail_after(5):
        while len(out) < n:
            event = await stream.__anext__()
            out.append((event.type, event.object["metadata"]["name"]))
    return out


async def test_watchers_of_one_range_share_one_store_watch_and_see_the_same_events(
    server: APIServer,
) -> None:
    start = await create(server, "before")
    opts = ListOptions(resource_version=str(start))
    async with trio.open_nursery() as nursery:
        await nursery.start(server.watch_cache.run)
        async with AsyncExitStack() as stack:
            private = await stack.enter_async_context(
                server.watch(ADMIN_USER, Target(PODS, "default"), opts)
            )
            shared = [
                await stack.enter_async_context(
                    server.watch(ADMIN_USER, Target(PODS, "default"), opts, shared=True)
                )
                for _ in range(3)
            ]
            hubs = list(server.watch_cache._hubs.values())
            assert len(hubs) == 1
            assert len(hubs[0].subscribers) == 3
            await create(server, "a")
            await create(server, "b")
            await server.delete(ADMIN_USER, Target(PODS, "default", "a"))
            want = await take(private, 3)
            assert want == [("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a")]
            for stream in shared:
                assert await take(stream, 3) == want
        assert not server.watch_cache._hubs  # the store watch ends with its last watcher
        nursery.cancel_scope.cancel()


async def test_a_late_watcher_replays_from_the_hub_history_with_its_selector(
    server: APIServer,
) -> None:
    start = await create(server, "before")
    async with trio.open_nursery() as nursery:
        await nursery.start(server.watch_cache.run)
        target = Target(PODS, "default")
        everything = ListOptions(resource_version=str(start))
        async with server.watch(ADMIN_USER, target, everything, shared=True) as first:
            await create(server, "x", tier="web")
            await create(server, "y", tier="db")
            assert await take(first, 2) == [("ADDED", "x"), ("ADDED", "y")]
            web = ListOptions(label_selector="tier=web", resource_version=str(start))
            async with server.watch(ADMIN_USER, target, web, shared=True) as late:
                assert len(server.watch_cache._hubs) == 1
                await create(server, "z", tier="web")
                assert await take(late, 2) == [("ADDED", "x"), ("ADDED", "z")]
        nursery.cancel_scope.cancel()


async def test_a_subscriber_that_falls_behind_is_dropped_and_its_stream_ends() -> None:
    send, receive = trio.open_memory_channel(1)
    sub = Subscriber(send, receive, Selection(), after=0, seen=0)
    spec = WatchSpec(b"a", b"b", sub.selection, "1", "Pod", "v1")
    stream = WatchStream(receive, spec, lambda: str(sub.seen))
    for rev in (2, 3):
        kv = KeyValue(b"a1", b'{"metadata":{"name":"p"}}', 2, rev, 1)
        sub.offer(Decoded(WatchEvent(EventType.PUT, kv)))
    assert sub.dropped
    assert (await stream.__anext__()).type == "ADDED"
    with trio.fail_after(1):
        assert [e async for e in stream] == []
