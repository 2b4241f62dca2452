"""`Process`: what a node program sees of its host during one incarnation (boot to crash).

Why a per-incarnation object: a crash must lose all memory state. Everything a program holds
(its `Process`, handlers, timers, tasks, inbox) belongs to one incarnation and goes dead with
it; only the host's disk and clock carry over to the next `Process` after a restart. A dead
process's `send` and disk writes are ignored, so a task that is still unwinding cannot leak
effects past its crash.

Two styles, freely mixed:
  * task style: `async def program(proc)` loops over `await proc.recv()` / `await proc.sleep()`;
  * callback style: a plain `def program(proc)` registers `proc.on_message(handler)` and
    `proc.call_later(delay, fn)`; no trio task per host, so 5,000 hosts stay fast.
Both honour pause: a paused host's timers, messages and sleeps wait until it resumes.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import trio

from fault_injection.sim.dispatcher import Timer
from fault_injection.sim.netstack import Packet, sim_net

if TYPE_CHECKING:
    from fault_injection.sim.clocks import HostClock
    from fault_injection.sim.disk import Disk
    from fault_injection.sim.host import Host
    from fault_injection.sim.network import Message


class DiskView:
    """A process's handle on its host's disk: writes from a crashed incarnation are ignored."""

    def __init__(self, disk: Disk, proc: Process) -> None:
        self._disk = disk
        self._proc = proc

    def read(self, name: str) -> bytes:
        """Current content (including unsynced writes); FileNotFoundError if absent."""
        return self._disk.read(name)

    def exists(self, name: str) -> bool:
        """Whether the file exists."""
        return self._disk.exists(name)

    def listdir(self) -> list[str]:
        """Existing file names, sorted."""
        return self._disk.listdir()

    def write(self, name: str, data: bytes) -> None:
        """Replace the file's content (lost on crash unless fsynced)."""
        if self._proc.alive:
            self._disk.write(name, data)

    def append(self, name: str, data: bytes) -> None:
        """Append to the file (lost on crash unless fsynced)."""
        if self._proc.alive:
            self._disk.append(name, data)

    def delete(self, name: str) -> None:
        """Remove the file (undone by a crash unless fsynced)."""
        if self._proc.alive:
            self._disk.delete(name)

    def fsync(self, name: str | None = None) -> None:
        """Make pending writes durable (one file, or all)."""
        if self._proc.alive:
            self._disk.fsync(name)


MessageHandler = Callable[["Message"], None]


class Process:
    """One incarnation of a node program on a host; the program's whole view of the world."""

    def __init__(self, host: Host, incarnation: int, rng: random.Random) -> None:
        self._host = host
        self.name = host.name
        """This host's name."""
        self.incarnation = incarnation
        """0 for the first boot, +1 per restart."""
        self.rng = rng
        """This incarnation's seeded generator: the only randomness a node may use."""
        self.alive = True
        """False once the host crashed (this object is then dead for good)."""
        self.disk = DiskView(host.disk, self)
        """The host's disk (survives crashes; only synced data survives)."""
        self._handler: MessageHandler | None = None
        self._inbox_send, self._inbox = trio.open_memory_channel[Any](math.inf)
        self._held: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._scopes: list[trio.CancelScope] = []

    # -- environment ---------------------------------------------------------------------------
    @property
    def clock(self) -> HostClock:
        """The host's wall clock (offset/drift); use it for leases, not for timers."""
        return self._host.clock

    @property
    def peers(self) -> list[str]:
        """Every other host's name, in the order they were added."""
        return [h for h in self._host.world.host_names if h != self.name]

    def now(self) -> float:
        """Virtual time (what timers use); the same on every host."""
        return self._host.world.dispatcher.now()

    # -- messages ------------------------------------------------------------------------------
    def send(self, dst: str, payload: Any) -> None:
        """Send a datagram to host `dst` (never blocks; may be lost, duplicated, delayed)."""
        if self.alive:
            world = self._host.world
            world.net.send(self.name, dst, payload, world.dispatcher.now())

    def on_message(self, handler: MessageHandler | None) -> None:
        """Call `handler(msg)` for every delivered message instead of queueing it for `recv`."""
        self._handler = handler

    async def recv(self) -> Message:
        """Wait for the next delivered message (task style)."""
        msg = await self._inbox.receive()
        await self.wait_running()
        return msg

    def _deliver(self, msg: Message) -> None:
        if isinstance(msg.payload, Packet):
            sim_net(self._host.world).deliver(self, msg)
            return
        handler = self._handler
        if handler is not None:
            handler(msg)
        else:
            self._inbox_send.send_nowait(msg)

    # -- time ----------------------------------------------------------------------------------
    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of virtual time; a pause in between delays the wake-up to the resume."""
        await trio.sleep(seconds)
        await self.wait_running()

    async def wait_running(self) -> None:
        """Return at once unless the host is paused; then wait for it to resume."""
        host = self._host
        while host.paused:
            await host.resumed_event().wait()

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any) -> Timer:
        """Run `fn(*args)` after `delay` virtual seconds (callback style); dies with the process."""
        return self._host.world.dispatcher.call_at(
            self._host.world.dispatcher.now() + delay, self._fire, fn, args
        )

    def call_at(self, when: float, fn: Callable[..., Any], *args: Any) -> Timer:
        """Run `fn(*args)` at virtual time `when` (callback style); dies with the process."""
        return self._host.world.dispatcher.call_at(when, self._fire, fn, args)

    def _fire(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if not self.alive:
            return
        if self._host.paused:
            self._held.append((fn, args))
        else:
            fn(*args)

    # -- tasks ---------------------------------------------------------------------------------
    def spawn(self, async_fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Start a task that belongs to this process (cancelled when the host crashes)."""
        if self.alive:
            self._host.world.nursery.start_soon(self._run_task, async_fn, args)

    async def _run_task(
        self, async_fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]
    ) -> None:
        if not self.alive:
            return
        scope = trio.CancelScope()
        self._scopes.append(scope)
        try:
            with scope:
                await async_fn(*args)
        finally:
            self._scopes.remove(scope)

    # -- lifecycle (called by Host) -----------------------------------------------------------
    def _hold(self, msg: Message) -> None:
        self._held.append((self._deliver, (msg,)))

    def _release_held(self) -> None:
        held = self._held
        while held and self.alive and not self._host.paused:
            fn, args = held.popleft()
            if fn == self._deliver:
                self._host.world.net.delivered(args[0], self._host.world.dispatcher.now())
            fn(*args)

    def _kill(self) -> list[Message]:
        """Die: cancel tasks and timers, drop the inbox; return messages that were held."""
        self.alive = False
        for scope in self._scopes:
            scope.cancel()
        lost = [args[0] for fn, args in self._held if fn == self._deliver]
        self._held.clear()
        self._inbox_send.close()
        return lost
