"""Hosts whose program is written against `kernel.env.Env`: API servers, clients, components.

``add_env_host(world, "api-1", "10.0.0.1", main)`` adds a host with that address whose every
boot runs ``await main(env)`` with a fresh `SimEnv` (a crash cancels it with the rest of the
incarnation; a restart runs it again). What `main` is, the simulator does not know: an API
server (``components.apiserver.env_serving.run_apiserver`` bound to a shared store), a Lease
renewer, an informer. Partitions, pauses and kills of the host apply to all its traffic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fault_injection.sim.env import SimEnv
from fault_injection.sim.host import Host
from fault_injection.sim.process import Process
from fault_injection.sim.world import World

EnvMain = Callable[[SimEnv], Awaitable[object]]
"""What an env host runs on every boot."""


def add_env_host(world: World, name: str, ip: str, main: EnvMain) -> Host:
    """Add host `name` at address `ip` running ``await main(env)`` on every boot."""

    def boot(proc: Process) -> None:
        env = SimEnv(proc, ip=ip)

        async def run() -> None:
            await main(env)

        proc.spawn(run)

    return world.add_host(name, boot)


def env_of(world: World, name: str) -> SimEnv:
    """A `SimEnv` on the current incarnation of env host `name` (to run more tasks there)."""
    proc = world.host(name).process
    if proc is None:
        raise ValueError(f"host {name!r} is down; restart it first")
    return SimEnv(proc)


__all__ = ["EnvMain", "add_env_host", "env_of"]
