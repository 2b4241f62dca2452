"""`World`: one seeded simulated universe of hosts, network, disks and clocks in virtual time.

Open it inside a deterministic run (`simulate` does both), add hosts with their node programs,
then drive time with `await world.sleep(...)` while tests or nemeses crash, pause and partition:

    async def scenario(world: World) -> None:
        world.add_host("a", echo_server)
        world.add_host("b", pinger)
        await world.sleep(10)
        world.net.partition(isolate("a", world.host_names))
        await world.sleep(10)

    result = simulate(scenario, seed=7)
    print(result.trace.digest())
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

import attrs
import trio

from fault_injection.sim.determinism import run_simulation
from fault_injection.sim.dispatcher import Dispatcher, Timer
from fault_injection.sim.host import Host, Program
from fault_injection.sim.network import LinkConfig, Network
from fault_injection.sim.rng import RngTree
from fault_injection.sim.trace import Trace, TraceEvent, TraceMode

T = TypeVar("T")


class World:
    """Hosts, network, dispatcher, seeded generators and the event trace of one run."""

    def __init__(
        self,
        seed: int,
        nursery: trio.Nursery,
        *,
        link: LinkConfig | None = None,
        trace: TraceMode = "full",
        expected_trace: list[TraceEvent] | None = None,
        torn_writes: bool = False,
    ) -> None:
        self.seed = seed
        """The run's seed: fixes every random choice and the task schedule."""
        self.rngs = RngTree(seed)
        """Derive per-component generators: `world.rngs.rng("my-component")`."""
        self.trace = Trace(trace, expected_trace)
        """Every event of the run, in order."""
        self.nursery = nursery
        """Where host tasks run (owned by `open_world`)."""
        self.dispatcher = Dispatcher()
        """The heap-ordered timer loop (callback style; see `call_at`)."""
        self.net = Network(self.dispatcher, self.trace, self.rngs, link or LinkConfig())
        """The network between hosts."""
        self.torn_writes = torn_writes
        """Default for new hosts' disks: may a crash tear the last unsynced write?"""
        self._hosts: dict[str, Host] = {}

    # -- hosts -----------------------------------------------------------------------------------
    def add_host(
        self, name: str, program: Program | None = None, *, torn_writes: bool | None = None
    ) -> Host:
        """Create host `name` and boot `program` on it (task style if it is async)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"host name must be a non-empty str, got {name!r}")
        if name in self._hosts:
            raise ValueError(f"a host named {name!r} already exists")
        host = Host(
            self,
            name,
            program,
            torn_writes=self.torn_writes if torn_writes is None else torn_writes,
        )
        self._hosts[name] = host
        host.boot()
        return host

    def host(self, name: str) -> Host:
        """The host called `name` (KeyError naming the known hosts if absent)."""
        try:
            return self._hosts[name]
        except KeyError:
            raise KeyError(f"no host named {name!r} (hosts: {self.host_names})") from None

    @property
    def host_names(self) -> list[str]:
        """All host names, in the order they were added."""
        return list(self._hosts)

    @property
    def hosts(self) -> list[Host]:
        """All hosts, in the order they were added."""
        return list(self._hosts.values())

    def crash(self, name: str) -> None:
        """Crash host `name` (see `Host.crash`)."""
        self.host(name).crash()

    def restart(self, name: str) -> None:
        """Restart crashed host `name` from its disk (see `Host.restart`)."""
        self.host(name).restart()

    def pause(self, name: str) -> None:
        """Pause host `name` like SIGSTOP (see `Host.pause`)."""
        self.host(name).pause()

    def resume(self, name: str) -> None:
        """Resume paused host `name` (see `Host.resume`)."""
        self.host(name).resume()

    # -- time ------------------------------------------------------------------------------------
    def now(self) -> float:
        """Virtual seconds since the run began."""
        return self.dispatcher.now()

    async def sleep(self, seconds: float) -> None:
        """Let the world run for `seconds` of virtual time."""
        await trio.sleep(seconds)

    def call_at(self, when: float, fn: Callable[..., Any], *args: Any) -> Timer:
        """Run `fn(*args)` at virtual time `when` from the dispatcher (not tied to any host)."""
        return self.dispatcher.call_at(when, fn, *args)

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any) -> Timer:
        """Run `fn(*args)` after `delay` virtual seconds (not tied to any host)."""
        return self.dispatcher.call_at(self.dispatcher.now() + delay, fn, *args)

    def record(self, kind: str, *details: Any) -> None:
        """Add an event of your own to the trace (e.g. a workload's invoke/complete)."""
        self.trace.record(self.dispatcher.now(), kind, details)


@contextlib.asynccontextmanager
async def open_world(
    seed: int,
    *,
    link: LinkConfig | None = None,
    trace: TraceMode = "full",
    expected_trace: list[TraceEvent] | None = None,
    torn_writes: bool = False,
) -> AsyncIterator[World]:
    """A running world for the duration of the block; leaving it stops every host and timer.

    Call it inside `run_simulation` (or use `simulate`); `seed` should be the same seed.
    """
    async with trio.open_nursery() as nursery:
        world = World(
            seed,
            nursery,
            link=link,
            trace=trace,
            expected_trace=expected_trace,
            torn_writes=torn_writes,
        )
        nursery.start_soon(world.dispatcher.run)
        yield world
        world.trace.finish()
        nursery.cancel_scope.cancel()


@attrs.frozen
class SimulationResult(Generic[T]):
    """What `simulate` returns: the scenario's value and the finished world."""

    value: T
    """The scenario's return value."""
    world: World
    """The world after the run (hosts, network statistics, ...)."""

    @property
    def trace(self) -> Trace:
        """The run's event trace."""
        return self.world.trace


def simulate(
    scenario: Callable[[World], Awaitable[T]],
    *,
    seed: int,
    link: LinkConfig | None = None,
    trace: TraceMode = "full",
    expected_trace: list[TraceEvent] | None = None,
    torn_writes: bool = False,
) -> SimulationResult[T]:
    """Run `await scenario(world)` in a fresh world under `run_simulation(seed=seed)`."""

    async def main() -> SimulationResult[T]:
        async with open_world(
            seed, link=link, trace=trace, expected_trace=expected_trace, torn_writes=torn_writes
        ) as world:
            value = await scenario(world)
        return SimulationResult(value, world)

    return run_simulation(main, seed=seed)
