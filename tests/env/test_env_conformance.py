"""Both `Env` implementations pass the one kit in `kernel.conformance.env`."""

from __future__ import annotations

import socket

import pytest

from fault_injection.sim import Process, World, simulate
from fault_injection.sim.env import SimEnv
from kernel.conformance import env as kit
from kernel.env import Env, open_real_env

SEED = 11


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _real(check: str) -> None:
    async with open_real_env("a", seed=SEED) as a, open_real_env("b", seed=SEED) as b:
        assert isinstance(a, Env)
        await _run(check, a, b, "127.0.0.1", "127.0.0.1", _free_port())


async def _run(check: str, a: Env, b: Env, ip_a: str, ip_b: str, unused: int) -> None:
    if check == "timers":
        await kit.check_timers(a)
    elif check == "rng":
        kit.check_rng(a)
    elif check == "tcp":
        await kit.check_tcp_echo(a, b, ip_a)
    elif check == "udp":
        await kit.check_udp_echo(a, b, ip_a)
    elif check == "refused":
        await kit.check_refused(b, ip_a, unused)


def _sim(check: str) -> None:
    async def scenario(world: World) -> None:
        envs: dict[str, SimEnv] = {}
        done: list[bool] = []

        def boot(name: str, ip: str):
            def program(proc: Process) -> None:
                envs[name] = SimEnv(proc, ip=ip)

            return program

        world.add_host("a", boot("a", "10.0.0.1"))
        world.add_host("b", boot("b", "10.0.0.2"))

        async def driver() -> None:
            await _run(check, envs["a"], envs["b"], "10.0.0.1", "10.0.0.2", 9)
            done.append(True)

        world.host("a").process.spawn(driver)  # type: ignore[union-attr]
        await world.sleep(60)
        assert done, f"{check} did not finish within 60 virtual seconds"

    simulate(scenario, seed=SEED)


CHECKS = ["timers", "rng", "tcp", "udp", "refused"]


@pytest.mark.parametrize("check", CHECKS)
async def test_real_env(check: str) -> None:
    await _real(check)


@pytest.mark.parametrize("check", CHECKS)
def test_sim_env(check: str) -> None:
    _sim(check)
