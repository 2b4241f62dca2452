"""A simulated control plane for tests: API servers on hosts over one store, clients on others.

``api-1`` is at 10.0.0.1 and ``api-2`` at 10.0.0.2 (port 6443); client hosts get 10.0.1.x.
The store lives outside every host (as etcd would on machines of its own), so killing an API
host loses that server only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from components.apiserver.env_serving import API_PORT, run_apiserver
from fault_injection.sim import World
from fault_injection.sim.env import SimEnv
from fault_injection.sim.env_hosts import add_env_host
from kernel.interfaces.store import Store
from kernel.objects import ConfigMap, from_dict
from kernel.registry import load

API_IPS = ("10.0.0.1", "10.0.0.2")
API_URLS = tuple(f"http://{ip}:{API_PORT}" for ip in API_IPS)


@asynccontextmanager
async def open_store() -> AsyncIterator[Store]:
    """A fresh memory store for one simulated run."""
    async with load("store", "memory")() as store:  # type: ignore[operator]
        yield store


def add_api_hosts(world: World, store: Store, count: int = 1) -> list[str]:
    """Hosts ``api-1`` .. ``api-<count>``, each serving an API server over `store`."""
    names = []
    for i in range(count):
        ip = API_IPS[i]

        async def main(env: SimEnv, ip: str = ip) -> None:
            await run_apiserver(env, store, ip)

        names.append(add_env_host(world, f"api-{i + 1}", ip, main).name)
    return names


def add_client_host(
    world: World, name: str, index: int, main: Callable[[SimEnv], Awaitable[Any]]
) -> None:
    """A client host at 10.0.1.<index> running `main(env)`."""
    add_env_host(world, name, f"10.0.1.{index}", main)


def config_map(name: str, **data: str) -> ConfigMap:
    """A small ConfigMap in ``default``."""
    return from_dict(  # type: ignore[return-value]
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    )


__all__ = ["API_IPS", "API_URLS", "add_api_hosts", "add_client_host", "config_map", "open_store"]
