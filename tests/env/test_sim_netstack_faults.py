"""Faults of the simulated world reach `Env.net` traffic: partitions, pauses, kills, records."""

from __future__ import annotations

import pytest
import trio

from fault_injection.sim import Process, World, isolate, simulate
from fault_injection.sim.env import SimEnv
from fault_injection.sim.netstack import RESET_AFTER
from kernel.env import NetResetError, NetTimeoutError

SEED = 5


def _world_with_echo(world: World, envs: dict[str, SimEnv]) -> None:
    def server(proc: Process) -> None:
        env = envs["srv"] = SimEnv(proc, ip="10.0.0.1")

        async def serve() -> None:
            listener = await env.net.listen_tcp("10.0.0.1", 80)
            while True:
                stream = await listener.accept()
                proc.spawn(_echo, stream)

        proc.spawn(serve)

    def client(proc: Process) -> None:
        envs["cli"] = SimEnv(proc, ip="10.0.0.2")

    world.add_host("srv", server)
    world.add_host("cli", client)


async def _echo(stream: trio.abc.Stream) -> None:
    try:
        while data := await stream.receive_some():
            await stream.send_all(data)
    except NetResetError:
        pass  # a peer that timed out or died: a server shrugs


def _run_client(scenario_body) -> list[object]:
    out: list[object] = []

    async def scenario(world: World) -> None:
        envs: dict[str, SimEnv] = {}
        _world_with_echo(world, envs)
        await world.sleep(0.1)
        world.host("cli").process.spawn(scenario_body, world, envs["cli"], out)  # type: ignore[union-attr]
        await world.sleep(120)

    simulate(scenario, seed=SEED)
    return out


async def _try(out: list[object], fn) -> None:
    try:
        out.append(await fn())
    except Exception as err:
        out.append(type(err))


def test_partition_makes_connect_time_out() -> None:
    async def body(world: World, env: SimEnv, out: list[object]) -> None:
        world.net.partition(isolate("srv", world.host_names))
        await _try(out, lambda: env.net.connect_tcp("10.0.0.1", 80, timeout=3))
        out.append(env.monotonic())

    out = _run_client(body)
    assert out[0] is NetTimeoutError
    assert 3.0 <= out[1] < 4.0


def test_pause_makes_connect_time_out_and_resume_answers() -> None:
    async def body(world: World, env: SimEnv, out: list[object]) -> None:
        world.pause("srv")
        await _try(out, lambda: env.net.connect_tcp("10.0.0.1", 80, timeout=2))
        world.resume("srv")
        stream = await env.net.connect_tcp("10.0.0.1", 80, timeout=2)
        await stream.send_all(b"hi")
        out.append(await stream.receive_some())

    assert _run_client(body) == [NetTimeoutError, b"hi"]


def test_a_lasting_partition_stalls_then_resets_an_open_stream() -> None:
    async def body(world: World, env: SimEnv, out: list[object]) -> None:
        stream = await env.net.connect_tcp("10.0.0.1", 80)
        await stream.send_all(b"a")
        out.append(await stream.receive_some())
        world.net.partition(isolate("srv", world.host_names))
        t0 = env.monotonic()
        await _try(out, lambda: stream.send_all(b"b"))
        out.append(env.monotonic() - t0)

    out = _run_client(body)
    assert out[:2] == [b"a", NetResetError]
    assert RESET_AFTER <= out[2] < RESET_AFTER + 1


def test_a_short_partition_only_delays_the_stream() -> None:
    async def body(world: World, env: SimEnv, out: list[object]) -> None:
        stream = await env.net.connect_tcp("10.0.0.1", 80)
        part = world.net.partition(isolate("srv", world.host_names))
        world.call_later(2.0, world.net.unpartition, part)
        await stream.send_all(b"late")
        out.append(await stream.receive_some())
        out.append(env.monotonic() >= 2.0)

    assert _run_client(body) == [b"late", True]


def test_killing_the_server_host_resets_the_clients_stream() -> None:
    async def body(world: World, env: SimEnv, out: list[object]) -> None:
        stream = await env.net.connect_tcp("10.0.0.1", 80)
        world.crash("srv")
        await _try(out, stream.receive_some)

    assert _run_client(body) == [NetResetError]


@pytest.mark.parametrize("seed", [1, 2])
def test_records_enter_the_trace_digest(seed: int) -> None:
    async def scenario(world: World) -> None:
        def prog(proc: Process) -> None:
            env = SimEnv(proc)
            env.call_later(1.0, env.record, "decision", env.rng("x").randrange(100))

        world.add_host("h", prog)
        await world.sleep(2)

    a = simulate(scenario, seed=seed).trace
    b = simulate(scenario, seed=seed).trace
    records = a.of_kind("record")
    assert len(records) == 1
    assert records[0].details[:2] == ("h", "decision")
    assert a.digest() == b.digest()
