"""The `Env.net` HTTP client over real sockets (127.0.0.1): same verbs, watches and errors.

The simulated side of the same client is tests/sim/test_api_traffic.py; here it runs on
`open_real_env` against both API server front ends (`serving.open_http_server` and the
`Env.net` listener of `env_serving`), so the transport seam is shown in the real world too.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from functools import partial

import pytest
import trio

from components.apiserver.env_serving import serve_env
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server, serve_http
from kernel.api.errors import NotFound
from kernel.client import APIConnectionError
from kernel.client.env_http import open_env_http_client
from kernel.client.tls import client_context, server_context
from kernel.env import RealEnv, open_real_env
from kernel.objects import ConfigMap, from_dict
from kernel.pki import issue, new_ca
from kernel.registry import load


def _config_map(name: str) -> ConfigMap:
    return from_dict(  # type: ignore[return-value]
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}
    )


@pytest.fixture
async def env() -> AsyncIterator[RealEnv]:
    async with open_real_env("client", seed=1) as real:
        yield real


@pytest.fixture
async def server() -> AsyncIterator[APIServer]:
    async with load("store", "memory")() as store:  # type: ignore[operator]
        api = APIServer(store, rng=random.Random(3))
        await api.start()
        yield api


@pytest.mark.parametrize("front", ["sockets", "env-listener"])
async def test_verbs_and_watch_over_real_sockets(
    env: RealEnv, server: APIServer, front: str
) -> None:
    async with trio.open_nursery() as nursery:
        if front == "sockets":
            url = await nursery.start(serve_http, server)
        else:
            url = await nursery.start(serve_env, server, env, "127.0.0.1", 0)
        async with open_env_http_client(env, url) as client:
            start = (await client.list(ConfigMap, "default")).resource_version
            async with client.watch(ConfigMap, "default", resource_version=start) as events:
                made = await client.create(_config_map("a"))
                with trio.fail_after(5):
                    event = await events.__anext__()
            assert (event.type, event.object.metadata.uid) == ("ADDED", made.metadata.uid)
            with pytest.raises(NotFound):
                await client.get(ConfigMap, "missing")
        nursery.cancel_scope.cancel()


async def test_a_refused_connect_fails_definitely_then_the_next_server_answers(
    env: RealEnv, server: APIServer
) -> None:
    probe = trio.socket.socket()
    await probe.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{probe.getsockname()[1]}"  # bound, not listening: refused
    async with open_http_server(server) as url:
        async with open_env_http_client(env, dead) as lone:
            with pytest.raises(APIConnectionError) as caught:
                await lone.get(ConfigMap, "a")
            assert caught.value.definite
        async with open_env_http_client(env, [dead, url]) as client:
            await client.create(_config_map("b"))
            assert (await client.get(ConfigMap, "b")).metadata.name == "b"
        assert env.records[-1][1:] == ("api-failover", (dead[7:], url[7:]))
    probe.close()


async def test_https_over_env_net_streams_verifies_the_server(
    env: RealEnv, server: APIServer
) -> None:
    ca = new_ca()
    leaf = issue(ca, "kube-apiserver", hosts=["127.0.0.1"], client=False)
    context = server_context(ca.cert_pem, leaf.cert_pem, leaf.key_pem, require_client_cert=False)
    async with trio.open_nursery() as nursery:
        url = await nursery.start(partial(serve_http, ssl_context=context), server)
        assert url.startswith("https://")
        trusted = client_context(ca.cert_pem)
        async with open_env_http_client(env, url, ssl_context=trusted) as client:
            await client.create(_config_map("tls"))
            assert (await client.get(ConfigMap, "tls")).metadata.name == "tls"
        async with open_env_http_client(env, url, ssl_context=client_context()) as stranger:
            with pytest.raises(APIConnectionError) as caught:  # the system roots do not know it
                await stranger.get(ConfigMap, "tls")
            assert caught.value.definite
        nursery.cancel_scope.cancel()
