"""What a node program gets from its host: addressed messages, a disk, a clock, a rng, sleep.

A replicated component (the Raft store) is written against these Protocols only, so the same
code runs inside the fault-injection simulator (virtual time, simulated network and disk) and,
later, on a real host (TCP and files). The simulator's `fault_injection.sim.Process`
implements `NodeHost`; nothing here imports the simulator.

Rules a node keeps so that one seed replays a run: take time from `host.now()` (timers) or
`host.clock` (wall time, which may be skewed), randomness from `host.rng`, and durability from
`host.disk.fsync`: a crash keeps only what was synced.
"""

from __future__ import annotations

import random
from typing import Any, Protocol, runtime_checkable

from kernel.clock import Clock


@runtime_checkable
class Envelope(Protocol):
    """One delivered message: who sent it, to whom, and the payload (treat it as immutable)."""

    src: str
    dst: str
    payload: Any


@runtime_checkable
class HostDisk(Protocol):
    """A host's file store: reads see unsynced writes; only `fsync`ed data survives a crash."""

    def read(self, name: str) -> bytes:
        """The file's current content (`FileNotFoundError` if absent)."""
        ...

    def exists(self, name: str) -> bool:
        """Whether the file exists now."""
        ...

    def listdir(self) -> list[str]:
        """Every file name, sorted."""
        ...

    def write(self, name: str, data: bytes) -> None:
        """Replace the file's content (not durable until `fsync`)."""
        ...

    def append(self, name: str, data: bytes) -> None:
        """Append to the file (not durable until `fsync`)."""
        ...

    def delete(self, name: str) -> None:
        """Remove the file (not durable until `fsync`)."""
        ...

    def fsync(self, name: str | None = None) -> None:
        """Make the file's pending writes (every file's, with `None`) durable."""
        ...


@runtime_checkable
class NodeHost(Protocol):
    """Everything a node program may use; a program is ``async def main(host: NodeHost)``."""

    name: str
    """This node's address."""
    rng: random.Random
    """This incarnation's seeded generator: the only randomness a node may use."""

    @property
    def peers(self) -> list[str]:
        """Every other node's address, in a fixed order."""
        ...

    @property
    def clock(self) -> Clock:
        """Wall time for leases and timestamps (may be offset or drift); not for timers."""
        ...

    @property
    def disk(self) -> HostDisk:
        """The disk of this host; it outlives a crash of the program."""
        ...

    def now(self) -> float:
        """Monotonic seconds that timers run on (virtual in the simulator)."""
        ...

    def send(self, dst: str, payload: Any) -> None:
        """Send a datagram to `dst`; never blocks; it may be lost, duplicated or delayed."""
        ...

    async def recv(self) -> Envelope:
        """Wait for the next message addressed to this node."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep on the timer clock (`now`)."""
        ...


__all__ = ["Envelope", "HostDisk", "NodeHost"]
