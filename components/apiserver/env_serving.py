"""Serve an `APIServer` on an `Env.net` listener, so an API server can live on a simulated host.

The connection loop, HTTP/1.1 parsing and request handling are `serving.HTTPServer`,
`h1` and `http.APIApp`, unchanged; only the listener differs: `env.net.listen_tcp` (real
sockets under `open_real_env`, the simulated network under `SimEnv`). `run_apiserver` builds
the server itself from the env (its clock for timestamps, ``env.rng("apiserver")`` for
generated names) over a store shared with other instances, as an HA control plane is.
"""

from __future__ import annotations

from typing import Any

import trio

from components.apiserver.http import APIApp
from components.apiserver.limits import ServingLimits
from components.apiserver.server import APIServer
from components.apiserver.serving import HTTPServer
from kernel.env import Env, TcpListener
from kernel.interfaces.store import Store

API_PORT = 6443
"""The port an API server listens on by default (Kubernetes' secure port number)."""


class EnvListener(trio.abc.Listener[trio.abc.Stream]):
    """A `kernel.env.TcpListener` as the `trio.abc.Listener` the connection loop accepts from."""

    def __init__(self, listener: TcpListener) -> None:
        self.listener = listener

    async def accept(self) -> trio.abc.Stream:
        return await self.listener.accept()

    async def aclose(self) -> None:
        await self.listener.aclose()


async def serve_env(
    server: APIServer,
    env: Env,
    host: str,
    port: int = API_PORT,
    *,
    max_requests_inflight: int = 400,
    limits: ServingLimits | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `server` over HTTP on ``env.net`` at host:port until cancelled; reports the URL."""
    listener = await env.net.listen_tcp(host, port)
    bound_host, bound_port = listener.address
    http = HTTPServer(APIApp(server, max_requests_inflight), limits or ServingLimits())
    async with trio.open_nursery() as nursery:
        await nursery.start(server.watch_cache.run)
        await nursery.start(http.serve, [EnvListener(listener)])
        env.record("apiserver-serving", f"{bound_host}:{bound_port}")
        task_status.started(f"http://{bound_host}:{bound_port}")


async def run_apiserver(
    env: Env,
    store: Store,
    host: str,
    port: int = API_PORT,
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
    **server_options: Any,
) -> None:
    """Build an `APIServer` over `store` from `env`, start it, and serve it on `env.net`.

    `server_options` go to `APIServer` (authenticator, authorizer, admission...).
    """
    options = {"clock": env.clock, "rng": env.rng("apiserver"), **server_options}
    server = APIServer(store, **options)
    await server.start()
    await serve_env(server, env, host, port, task_status=task_status)


__all__ = ["API_PORT", "EnvListener", "run_apiserver", "serve_env"]
