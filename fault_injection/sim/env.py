"""`SimEnv`: the simulator's `kernel.env.Env` for one process incarnation.

Time is virtual (`Process.now`), wall time the host's skewable clock, timers the world's
dispatcher (no task per timer; a pause holds them), randomness the world seed's tree, the
network `SimNetStack`, and `record` an event in the run's trace (so it enters the digest).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fault_injection.sim.netstack import SimNetStack, sim_net
from kernel.env import rng_for

if TYPE_CHECKING:
    from fault_injection.sim.clocks import HostClock
    from fault_injection.sim.dispatcher import Timer
    from fault_injection.sim.process import Process


class SimEnv:
    """`Env` over a simulated `Process`; give the host an address with `ip`."""

    def __init__(self, proc: Process, *, ip: str | None = None, name: str | None = None) -> None:
        self.proc = proc
        self.name = name or proc.name
        world = proc._host.world
        self.seed = world.seed
        self._world = world
        net = sim_net(world)
        if ip is not None:
            net.assign(proc.name, ip)
        self._net = net.stack(proc)
        self.ip = ip
        """This host's address (None if it was given none)."""

    @property
    def net(self) -> SimNetStack:
        return self._net

    @property
    def clock(self) -> HostClock:
        return self.proc.clock

    def wall(self) -> float:
        return self.proc.clock.now()

    def monotonic(self) -> float:
        return self.proc.now()

    async def sleep(self, seconds: float) -> None:
        await self.proc.sleep(seconds)

    def call_at(self, when: float, fn: Callable[..., Any], *args: Any) -> Timer:
        return self.proc.call_at(when, fn, *args)

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any) -> Timer:
        return self.proc.call_later(delay, fn, *args)

    def rng(self, *names: str) -> random.Random:
        return rng_for(self.seed, names)

    def record(self, kind: str, *details: Any) -> None:
        self._world.trace.record(self._world.dispatcher.now(), "record", (self.name, kind, details))


__all__ = ["SimEnv"]
