"""`Host`: a named machine in the world, with a disk and a clock that outlive its processes.

The world (tests, nemeses) controls hosts: crash, restart, pause, resume. The node program only
ever sees its current `Process`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

import trio

from fault_injection.sim.clocks import HostClock
from fault_injection.sim.disk import Disk
from fault_injection.sim.netstack import sim_net
from fault_injection.sim.process import Process

if TYPE_CHECKING:
    from fault_injection.sim.network import Message
    from fault_injection.sim.world import World

#: A node program: `async def main(proc)` (task style) or `def boot(proc)` (callback style).
Program = Callable[[Process], Awaitable[None] | None]

HostState = Literal["running", "paused", "down"]


class HostStateError(RuntimeError):
    """A control action that does not fit the host's state (e.g. pausing a crashed host)."""


class Host:
    """A machine: name, disk, clock, state, and the program it boots."""

    def __init__(
        self, world: World, name: str, program: Program | None, *, torn_writes: bool
    ) -> None:
        self.world = world
        self.name = name
        self.program = program
        """What runs on every boot (None: an idle host that only receives into `recv`)."""
        self.disk = Disk(world.rngs.rng(f"disk/{name}"), torn_writes=torn_writes)
        """The host's files; survive crashes (synced data only)."""
        self.clock = HostClock(world.dispatcher.now)
        """The host's wall clock (offset/drift), a `kernel.clock.Clock`."""
        self.state: HostState = "down"
        self.incarnation = -1
        self.process: Process | None = None
        """The current incarnation (None while down)."""
        self._resumed = trio.Event()
        world.net.attach(name, self._receive)

    @property
    def paused(self) -> bool:
        """Whether the host is paused (frozen: nothing runs, messages wait)."""
        return self.state == "paused"

    def resumed_event(self) -> trio.Event:
        """An event set when the current pause ends."""
        return self._resumed

    def _record(self, kind: str, *details: Any) -> None:
        self.world.trace.record(self.world.dispatcher.now(), kind, (self.name, *details))

    # -- lifecycle -------------------------------------------------------------------------
    def boot(self) -> Process:
        """Start a fresh incarnation of the program (memory empty, disk as left)."""
        if self.state != "down":
            raise HostStateError(f"host {self.name!r} is {self.state}; crash it before booting")
        self.incarnation += 1
        proc = Process(
            self, self.incarnation, self.world.rngs.rng(f"proc/{self.name}/{self.incarnation}")
        )
        self.process = proc
        self.state = "running"
        self._record("boot", self.incarnation)
        if self.program is not None:
            result = self.program(proc)
            if inspect.isawaitable(result):
                proc.spawn(_await, result)
        return proc

    def crash(self) -> None:
        """Kill the process: memory, timers, tasks, held messages and unsynced writes are lost."""
        if self.state == "down":
            raise HostStateError(f"host {self.name!r} is already down")
        proc = self.process
        assert proc is not None
        self.state = "down"
        self.process = None
        self._record("crash", self.incarnation)
        sim_net(self.world).crashed(self.name)
        for msg in proc._kill():
            self.world.net.dropped(msg, "crashed")
        self.disk.crash()
        self._resumed.set()  # wake nothing: tasks are cancelled; keeps the event single-use

    def restart(self) -> Process:
        """Boot again from disk after a crash (alias of `boot`, for readability)."""
        return self.boot()

    def pause(self) -> None:
        """Freeze the host like SIGSTOP: no timers fire, tasks stop at their next host call."""
        if self.state != "running":
            raise HostStateError(f"host {self.name!r} is {self.state}; only a running host pauses")
        self.state = "paused"
        self._resumed = trio.Event()
        self._record("pause")

    def resume(self) -> None:
        """Unfreeze: held timers and messages run now, in the order they came due."""
        if self.state != "paused":
            raise HostStateError(f"host {self.name!r} is {self.state}; only a paused host resumes")
        self.state = "running"
        self._record("resume")
        self._resumed.set()
        proc = self.process
        assert proc is not None
        self.world.dispatcher.call_at(self.world.dispatcher.now(), proc._release_held)

    # -- network receiver --------------------------------------------------------------------
    def _receive(self, msg: Message) -> None:
        proc = self.process
        if proc is None:
            self.world.net.dropped(msg, "down")
        elif self.state == "paused":
            proc._hold(msg)
        else:
            self.world.net.delivered(msg, self.world.dispatcher.now())
            proc._deliver(msg)


async def _await(awaitable: Awaitable[None]) -> None:
    await awaitable
