"""Run a node program written against `kernel.hosting` (a replicated store) as the system.

The program is ``async def main(host: NodeHost)``, one incarnation per boot. It receives the
clients' requests (Maelstrom-shaped bodies, see `fault_injection.chaos.system`) and its peers'
messages through `host.recv()`, and answers with `host.send`. `host.peers` lists the other
*nodes* only (never the clients), in order, so a program can use it as its membership.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fault_injection.sim import Process, World
from kernel.clock import Clock
from kernel.hosting import Envelope, HostDisk, NodeHost

NodeProgram = Callable[[NodeHost], Awaitable[None]]


class _NodeView:
    """A `NodeHost` over a simulated process whose `peers` are the other nodes only."""

    def __init__(self, proc: Process, nodes: list[str]) -> None:
        self._proc = proc
        self.name = proc.name
        self.rng: random.Random = proc.rng
        self._peers = [n for n in nodes if n != proc.name]

    @property
    def peers(self) -> list[str]:
        return list(self._peers)

    @property
    def clock(self) -> Clock:
        return self._proc.clock

    @property
    def disk(self) -> HostDisk:
        return self._proc.disk

    def now(self) -> float:
        return self._proc.now()

    def send(self, dst: str, payload: Any) -> None:
        self._proc.send(dst, payload)

    async def recv(self) -> Envelope:
        return await self._proc.recv()

    async def sleep(self, seconds: float) -> None:
        await self._proc.sleep(seconds)


class HostedSystem:
    """`program` booted on every node; crash, restart and pause come from the simulator."""

    def __init__(self, program: NodeProgram, label: str) -> None:
        self.program = program
        self.label = label
        self.serves_delete = bool(getattr(program, "serves_delete", False))
        """Whether the program answers Maelstrom ``delete`` (it sets ``serves_delete = True``)."""

    @contextlib.asynccontextmanager
    async def open(self, world: World, nodes: list[str]) -> AsyncIterator[None]:
        async def main(proc: Process) -> None:
            await self.program(_NodeView(proc, nodes))

        for node in nodes:
            world.add_host(node, main)
        yield
