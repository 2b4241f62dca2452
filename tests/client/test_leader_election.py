"""Leader election over a Lease: one leader, takeover after expiry, step-down on missed renewals."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
import trio.testing

from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.server import APIServer
from kernel.client.leader_election import LeaderElector
from kernel.client.types import APIConnectionError
from kernel.objects import Lease
from kernel.registry import load


@pytest.fixture
async def client() -> AsyncIterator[InProcessClient]:
    async with load("store", "memory")() as store:  # type: ignore[operator]
        server = APIServer(store, rng=random.Random(9))
        await server.start()
        yield InProcessClient(server)


class Unplugged:
    """A client whose network can be cut (every raw call then fails to connect)."""

    def __init__(self, inner: InProcessClient) -> None:
        self.inner = inner
        self.cut = False
        self.raw = self

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner.raw, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.cut:
                raise APIConnectionError("connection refused", definite=True)
            return await method(*args, **kwargs)

        return call


async def test_one_leader_then_takeover_when_it_stops_renewing(
    client: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    a_net = Unplugged(client)
    a = LeaderElector(a_net, "kube-scheduler", "a")  # type: ignore[arg-type]
    b = LeaderElector(client, "kube-scheduler", "b")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(a.run)
        await trio.sleep(1)
        nursery.start_soon(b.run)
        await trio.sleep(30)  # many renewals: a keeps it, b never wins
        assert (a.is_leader, b.is_leader) == (True, False)
        lease = await client.get(Lease, "kube-scheduler", "kube-system")
        assert lease.spec.holder_identity == "a"
        assert lease.spec.lease_transitions == 0

        a_net.cut = True  # a can no longer renew
        await trio.sleep(a.renew_deadline + a.retry_period)
        assert not a.is_leader  # stepped down after the renew deadline
        await trio.sleep(a.lease_duration)
        assert b.is_leader  # took over once the lease expired
        lease = await client.get(Lease, "kube-scheduler", "kube-system")
        assert lease.spec.holder_identity == "b"
        assert lease.spec.lease_transitions == 1

        a_net.cut = False  # a comes back: b still renews, so a stays a follower
        await trio.sleep(20)
        assert (a.is_leader, b.is_leader) == (False, True)
        nursery.cancel_scope.cancel()


async def test_never_two_leaders_at_once(
    client: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    electors = [LeaderElector(client, "ctrl", f"c{i}", retry_period=0.5) for i in range(4)]
    async with trio.open_nursery() as nursery:
        for e in electors:
            nursery.start_soon(e.run)
        for _ in range(100):
            await trio.sleep(0.25)
            assert sum(e.is_leader for e in electors) <= 1
        assert sum(e.is_leader for e in electors) == 1
        nursery.cancel_scope.cancel()
