"""Two API servers over one store act as one: a write through one is watched through the other."""

from __future__ import annotations

import random

import pytest
import trio

from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from kernel.api.errors import Conflict
from kernel.client import open_http_client
from kernel.objects import Pod, from_dict
from kernel.registry import load

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"containers": [{"name": "app", "image": "nginx"}]},
}


async def test_write_through_one_server_watch_through_another() -> None:
    async with load("store", "memory")() as store:  # type: ignore[operator]
        first, second = (APIServer(store, rng=random.Random(seed)) for seed in (1, 2))
        await first.start()
        await second.start()  # idempotent: the namespaces exist already
        async with (
            open_http_server(first) as url_a,
            open_http_server(second) as url_b,
            open_http_client(url_a) as a,
            open_http_client(url_b) as b,
        ):
            start = (await b.list(Pod, "default")).resource_version
            async with b.watch(Pod, "default", resource_version=start) as events:
                created = await a.create(from_dict(POD))
                with trio.fail_after(5):
                    event = await events.__anext__()
                assert (event.type, event.object.metadata.uid) == ("ADDED", created.metadata.uid)
                assert event.resource_version == created.metadata.resource_version
            # optimistic concurrency holds across instances: a stale write through B conflicts
            await a.patch(Pod, "web", {"metadata": {"labels": {"v": "2"}}})
            with pytest.raises(Conflict):
                await b.update(created)
            assert (await b.get(Pod, "web")).metadata.labels == {"v": "2"}
