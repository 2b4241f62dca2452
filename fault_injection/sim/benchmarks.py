"""The simulator's benchmark scenarios, each in task style and callback style.

Why two styles: one trio task per host is the natural way to write a node, but every wake-up
costs tens of microseconds; callback-style nodes run from the dispatcher's heap and cost about
one. `kubelab bench sim` runs both side by side on the same scenario and seed; tests run
small versions to check that both styles do the same work.

Scenarios:
  * `kv`: 5 KV servers, 10 clients issuing reads and writes with a 1 s timeout, partitions
    (random kind) every 5 s across all hosts;
  * `heartbeat`: N hosts each sending a heartbeat to one controller every 10 s.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any, Literal

import attrs
import trio

from fault_injection.sim.latency import Exponential
from fault_injection.sim.network import LinkConfig, Message
from fault_injection.sim.process import Process
from fault_injection.sim.world import World, simulate

Style = Literal["task", "callback"]


@attrs.frozen
class BenchResult:
    """One run of one scenario."""

    scenario: str
    """Scenario name."""
    style: Style
    """Node style."""
    virtual_seconds: float
    """Simulated duration."""
    wall_seconds: float
    """Wall time of the whole run (setup included)."""
    cpu_seconds: float
    """CPU time of this process during the run (less sensitive to a busy machine)."""
    events: int
    """Trace events recorded (sends, deliveries, drops, faults...)."""
    work: int
    """Scenario-specific unit of work done (heartbeats received, KV ops completed)."""

    @property
    def events_per_second(self) -> float:
        """Trace events per wall second."""
        return self.events / self.wall_seconds

    @property
    def speedup(self) -> float:
        """Virtual seconds per wall second (100 = 100x faster than real time)."""
        return self.virtual_seconds / self.wall_seconds


# -- heartbeat -----------------------------------------------------------------------------------
HEARTBEAT_PERIOD = 10.0


def _controller_callback(counter: list[int]) -> Callable[[Process], None]:
    def boot(proc: Process) -> None:
        def on_message(_msg: Message) -> None:
            counter[0] += 1

        proc.on_message(on_message)

    return boot


def _controller_task(counter: list[int]) -> Callable[[Process], Any]:
    async def main(proc: Process) -> None:
        while True:
            await proc.recv()
            counter[0] += 1

    return main


def _heartbeater_callback(proc: Process) -> None:
    beats = [0]

    def beat() -> None:
        beats[0] += 1
        proc.send("controller", beats[0])
        proc.call_later(HEARTBEAT_PERIOD, beat)

    proc.call_later(proc.rng.uniform(0.0, HEARTBEAT_PERIOD), beat)


async def _heartbeater_task(proc: Process) -> None:
    await proc.sleep(proc.rng.uniform(0.0, HEARTBEAT_PERIOD))
    beats = 0
    while True:
        beats += 1
        proc.send("controller", beats)
        await proc.sleep(HEARTBEAT_PERIOD)


def heartbeat_scenario(hosts: int, duration: float, style: Style) -> Callable[[World], Any]:
    """`hosts` nodes heartbeat a controller every 10 s for `duration` s; returns beats received."""

    async def scenario(world: World) -> int:
        counter = [0]
        if style == "callback":
            world.add_host("controller", _controller_callback(counter))
            for i in range(hosts):
                world.add_host(f"node-{i}", _heartbeater_callback)
        else:
            world.add_host("controller", _controller_task(counter))
            for i in range(hosts):
                world.add_host(f"node-{i}", _heartbeater_task)
        await world.sleep(duration)
        return counter[0]

    return scenario


# -- KV with partitions --------------------------------------------------------------------------
KV_TIMEOUT = 1.0
KV_THINK = 0.05


def kv_server(proc: Process) -> None:
    """A single-node KV server: read/write against an in-memory dict, answers every request."""
    data: dict[str, int] = {}

    def on_message(msg: Message) -> None:
        op, key, value, req = msg.payload
        if op == "write":
            data[key] = value
            proc.send(msg.src, ("ok", req, value))
        else:
            proc.send(msg.src, ("ok", req, data.get(key)))

    proc.on_message(on_message)


def _kv_request(proc: Process, servers: list[str], req: int) -> tuple[str, tuple[Any, ...]]:
    rng = proc.rng
    key = f"k{rng.randrange(8)}"
    op = ("read", key, None, req) if rng.random() < 0.5 else ("write", key, rng.randrange(100), req)
    return rng.choice(servers), op


def kv_client_callback(servers: list[str], done: list[int]) -> Callable[[Process], None]:
    """A client issuing one request at a time, with a timeout, from timers and a handler."""

    def boot(proc: Process) -> None:
        state = {"req": 0, "timer": None}

        def issue() -> None:
            state["req"] += 1
            dst, payload = _kv_request(proc, servers, state["req"])
            proc.send(dst, payload)
            state["timer"] = proc.call_later(KV_TIMEOUT, timeout, state["req"])

        def timeout(req: int) -> None:
            if req == state["req"]:
                proc.call_later(proc.rng.expovariate(1 / KV_THINK), issue)

        def on_message(msg: Message) -> None:
            _, req, _ = msg.payload
            if req == state["req"] and state["timer"] is not None:
                state["timer"].cancel()
                state["timer"] = None
                done[0] += 1
                proc.call_later(proc.rng.expovariate(1 / KV_THINK), issue)

        proc.on_message(on_message)
        proc.call_later(proc.rng.expovariate(1 / KV_THINK), issue)

    return boot


def kv_client_task(servers: list[str], done: list[int]) -> Callable[[Process], Any]:
    """The same client as one trio task: send, then wait for the reply or the timeout."""

    async def main(proc: Process) -> None:
        req = 0
        while True:
            await proc.sleep(proc.rng.expovariate(1 / KV_THINK))
            req += 1
            dst, payload = _kv_request(proc, servers, req)
            proc.send(dst, payload)
            with trio.move_on_after(KV_TIMEOUT):
                while True:
                    msg = await proc.recv()
                    if msg.payload[1] == req:
                        done[0] += 1
                        break

    return main


def kv_scenario(
    servers: int, clients: int, duration: float, style: Style, partition_interval: float = 5.0
) -> Callable[[World], Any]:
    """KV traffic under random partitions; returns completed operations."""
    from fault_injection.nemesis import partition, start_nemesis

    async def scenario(world: World) -> int:
        done = [0]
        names = [f"s{i}" for i in range(servers)]
        for name in names:
            world.add_host(name, kv_server)
        for i in range(clients):
            maker = kv_client_callback if style == "callback" else kv_client_task
            world.add_host(f"c{i}", maker(names, done))
        run = start_nemesis(world, partition(interval=partition_interval))
        await world.sleep(duration)
        run.heal_all()
        return done[0]

    return scenario


KV_LINK = LinkConfig(latency=Exponential(0.005, minimum=0.001))


def run_bench(
    scenario: str, style: Style, *, seed: int = 1, hosts: int = 5000, duration: float | None = None
) -> BenchResult:
    """Run one scenario once and time it (trace counts events only; GC off while timed)."""
    if scenario == "kv":
        virtual = 60.0 if duration is None else duration
        fn = kv_scenario(5, 10, virtual, style)
        link = KV_LINK
    elif scenario == "heartbeat":
        virtual = 600.0 if duration is None else duration
        fn = heartbeat_scenario(hosts, virtual, style)
        link = LinkConfig()
    else:
        raise ValueError(f"unknown scenario {scenario!r}: use kv or heartbeat")
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()  # like timeit: collector pauses would land at random points of either style
    try:
        start, cpu = time.perf_counter(), time.process_time()
        result = simulate(fn, seed=seed, link=link, trace="count")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        if was_enabled:
            gc.enable()
    return BenchResult(scenario, style, virtual, wall, cpu, result.trace.count, result.value)
