"""Simulated TCP keepalive: idle streams survive short partitions and end across lasting ones."""

from __future__ import annotations

from typing import Any

import trio

from fault_injection.sim import Process, World, isolate, simulate
from fault_injection.sim.env import SimEnv
from fault_injection.sim.netstack import KEEPALIVE, KEEPALIVE_INTERVAL, RESET_AFTER
from kernel.env import NetResetError

SEED = 8


def _idle_stream_run(partition_for: float) -> list[Any]:
    """Client opens a stream to an idle server, then only reads; a fault hits at t=1."""
    out: list[Any] = []

    def server(proc: Process) -> None:
        env = SimEnv(proc, ip="10.0.0.1")

        async def serve() -> None:
            listener = await env.net.listen_tcp("10.0.0.1", 80)
            streams = []
            while True:
                streams.append(await listener.accept())  # held open, never written

        proc.spawn(serve)

    def client(proc: Process) -> None:
        env = SimEnv(proc, ip="10.0.0.2")

        async def read() -> None:
            stream = await env.net.connect_tcp("10.0.0.1", 80)
            try:
                out.append(await stream.receive_some())
            except NetResetError:
                out.append(("reset", env.monotonic()))

        proc.spawn(read)

    async def scenario(world: World) -> None:
        world.add_host("srv", server)
        world.add_host("cli", client)
        await world.sleep(1)
        part = world.net.partition(isolate("srv", world.host_names))
        await world.sleep(partition_for)
        world.net.unpartition(part)
        await world.sleep(200)
        out.append(("end", world.now()))

    simulate(scenario, seed=SEED)
    return out


def test_an_idle_stream_survives_a_partition_shorter_than_the_keepalive_limit() -> None:
    out = _idle_stream_run(KEEPALIVE + RESET_AFTER - 2)  # probes lost, but not for too long
    assert [o[0] for o in out] == ["end"]  # the read is still waiting: the stream is alive


def test_an_idle_stream_across_a_lasting_partition_resets() -> None:
    out = _idle_stream_run(120)
    kind, when = out[0]
    assert kind == "reset"
    # nothing heard since the handshake (t=0) for KEEPALIVE + RESET_AFTER
    assert KEEPALIVE + RESET_AFTER <= when <= KEEPALIVE + RESET_AFTER + KEEPALIVE_INTERVAL


def test_a_peer_that_forgot_the_connection_answers_the_probe_with_a_reset() -> None:
    out: list[Any] = []

    def server(proc: Process) -> None:
        env = SimEnv(proc, ip="10.0.0.1")

        async def serve() -> None:
            listener = await env.net.listen_tcp("10.0.0.1", 80)
            held = await listener.accept()  # noqa: F841 - kept open, never written
            await trio.sleep_forever()

        proc.spawn(serve)

    def client(proc: Process) -> None:
        env = SimEnv(proc, ip="10.0.0.2")

        async def read() -> None:
            stream = await env.net.connect_tcp("10.0.0.1", 80)
            try:
                await stream.receive_some()
            except NetResetError:
                out.append(env.monotonic())

        proc.spawn(read)

    async def scenario(world: World) -> None:
        world.add_host("srv", server)
        world.add_host("cli", client)
        await world.sleep(1)
        part = world.net.partition(isolate("srv", world.host_names))
        world.crash("srv")  # its RSTs are lost in the partition
        world.restart("srv")  # the new incarnation knows no connection
        world.net.unpartition(part)
        await world.sleep(60)

    simulate(scenario, seed=SEED)
    assert len(out) == 1
    assert KEEPALIVE <= out[0] <= KEEPALIVE + 1  # the first probe meets an RST
