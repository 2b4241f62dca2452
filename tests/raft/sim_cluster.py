"""A Raft store cluster in the fault-injection simulator, with a `RaftClient` on a client host.

`open_sim_raft_store()` is a `StoreOpener` for the conformance suite: it opens a `World`
inside the current trio run (use trio's `MockClock` with autojump), boots the member program
on ``n1..nN`` and yields a `RaftClient` whose transport is a simulated client host.
`open_sim_cluster()` yields the world and the node names too, for fault scenarios.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from components.store.raft.client import RaftClient
from components.store.raft.member import NodeProgram, main
from components.store.raft.transport import HostTransport
from fault_injection.chaos.hosted_system import HostedSystem
from fault_injection.sim import Process, World, open_world


@attrs.frozen
class SimCluster:
    """A running simulated cluster: its world, member names and a client."""

    world: World
    nodes: list[str]
    client: RaftClient

    def leader(self) -> str:
        """The member the client last found leading (after a successful request)."""
        return self.client.members[self.client._leader]


async def add_endpoint(world: World, name: str) -> Process:
    """A callback-style host whose messages queue for `recv` (a raw client)."""
    box: dict[str, Process] = {}

    def boot(proc: Process) -> None:
        box["proc"] = proc

    world.add_host(name, boot)
    while "proc" not in box:
        await trio.sleep(0.001)
    return box["proc"]


@asynccontextmanager
async def open_sim_cluster(
    *,
    members: int = 3,
    seed: int = 0,
    program: NodeProgram = main,
    torn_writes: bool = False,
    **client: Any,
) -> AsyncIterator[SimCluster]:
    """A world with `members` members and a connected client; leaving it stops everything."""
    nodes = [f"n{i + 1}" for i in range(members)]
    async with (
        open_world(seed, torn_writes=torn_writes) as world,
        HostedSystem(program, "raft").open(world, nodes),
    ):
        proc = await add_endpoint(world, "client")
        client.setdefault("seed", seed)
        async with RaftClient(HostTransport(proc, nodes), **client) as store:
            yield SimCluster(world, nodes, store)


@asynccontextmanager
async def open_sim_raft_store(**options: Any) -> AsyncIterator[RaftClient]:
    """`open_sim_cluster` yielding only the client (a `StoreOpener`)."""
    async with open_sim_cluster(**options) as cluster:
        yield cluster.client
