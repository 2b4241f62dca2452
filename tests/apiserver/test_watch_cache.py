"""Shared watches: one store watch per key range, the same events as private watches."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st

from components.apiserver.auth import ADMIN_USER
from components.apiserver.listing import ListOptions
from components.apiserver.server import APIServer
from components.apiserver.watch import Decoded, WatchSpec, WatchStream
from components.apiserver.watch_cache import Hub, Subscriber, index_key
from kernel.api.errors import StatusError
from kernel.api.requests import Target
from kernel.api.selectors import Selection, parse_field_selector
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


async def test_a_subscriber_that_falls_behind_gets_a_410_error_and_its_stream_ends() -> None:
    send, receive = trio.open_memory_channel(1)
    sub = Subscriber(send, receive, Selection(), after=0, seen=0)
    spec = WatchSpec(b"a", b"b", sub.selection, "1", "Pod", "v1")
    stream = WatchStream(receive, spec, lambda: str(sub.seen))
    for rev in (2, 3):
        kv = KeyValue(b"a1", b'{"metadata":{"name":"p"}}', 2, rev, 1)
        sub.offer(Decoded(WatchEvent(EventType.PUT, kv)))
    assert sub.dropped
    with trio.fail_after(1):
        with pytest.raises(StatusError) as err:
            await stream.__anext__()
        assert err.value.code == 410
        assert "too slow" in str(err.value)
        assert [e async for e in stream] == []


def put(rev: int, node: str, prev_node: str | None, ns: str = "default") -> Decoded:
    """A store PUT of pod p moving from `prev_node` (None: created) to `node`."""

    def body(n: str) -> bytes:
        return b'{"metadata":{"name":"p","namespace":"%s"},"spec":{"nodeName":"%s"}}' % (
            ns.encode(),
            n.encode(),
        )

    kv = KeyValue(b"a1", body(node), 2, rev, 1 if prev_node is None else 2)
    prev = None if prev_node is None else KeyValue(b"a1", body(prev_node), 2, rev - 1, 1)
    return Decoded(WatchEvent(EventType.PUT, kv, prev))


def subscriber(hub: Hub, field_selector: str = "") -> Subscriber:
    send, receive = trio.open_memory_channel(16)
    selection = Selection(fields=parse_field_selector(field_selector, "pods"))
    sub = Subscriber(send, receive, selection, after=0, seen=0)
    sub.key = index_key(selection)
    hub.add(sub)
    return sub


def queued(sub: Subscriber) -> list[str]:
    out = []
    while True:
        try:
            out.append(sub.receive.receive_nowait().type)  # type: ignore[union-attr]
        except trio.WouldBlock:
            return out


def test_an_event_reaches_only_the_watchers_of_its_old_and_new_node_and_the_unindexed() -> None:
    hub = Hub(b"a", b"b", 0, 0)
    n1, n2 = subscriber(hub, "spec.nodeName=n1"), subscriber(hub, "spec.nodeName=n2")
    everything = subscriber(hub)
    others = [subscriber(hub, f"spec.nodeName=x{i}") for i in range(50)]
    ns = subscriber(hub, "metadata.namespace=default")
    move = put(3, "n2", "n1")
    assert list(hub.targets(move)) == [n1, n2, everything, ns]  # subscription order
    hub.offer(put(2, "n1", None))
    hub.offer(move)
    assert queued(n1) == ["ADDED", "DELETED"]  # leaving the selector: DELETED (Kubernetes)
    assert queued(n2) == ["ADDED"]  # entering it: ADDED
    assert queued(everything) == ["ADDED", "MODIFIED"]
    assert queued(ns) == ["ADDED", "MODIFIED"]
    assert all(queued(o) == [] for o in others)
    hub.remove(n1)
    assert list(hub.targets(move)) == [n2, everything, ns]
    assert ("spec.nodeName", "n1") not in hub.index


@given(st.lists(st.tuples(st.sampled_from(["", "n1", "n2", "n3"]), st.booleans()), max_size=12))
def test_indexed_fan_out_gives_every_watcher_what_offering_everyone_gives(
    plan: list[tuple[str, bool]],
) -> None:
    hub = Hub(b"a", b"b", 0, 0)
    selectors = ["", "spec.nodeName=n1", "spec.nodeName=n2", "spec.nodeName=", "spec.nodeName!=n1"]
    subs = [subscriber(hub, s) for s in selectors]
    naive = [subscriber(Hub(b"a", b"b", 0, 0), s) for s in selectors]
    node: str | None = None
    for rev, (new, _) in enumerate(plan, start=2):
        item = put(rev, new, node)
        hub.offer(item)
        for sub in naive:
            sub.offer(item)
        node = new
    assert [queued(s) for s in subs] == [queued(s) for s in naive]
