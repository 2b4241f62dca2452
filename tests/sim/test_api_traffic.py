"""API requests and watches travel over the simulated network with the HTTP client's semantics.

A client on one simulated host talks HTTP/1.1 (`open_env_http_client`) to an API server on
another (`run_apiserver` over `Env.net`). Errors are those of the HTTP client over sockets:
the server's `StatusError`s, a refused or unanswered connect is a definite
`APIConnectionError`, a request lost after it was sent an indefinite one; a cut watch resumes
from its last resourceVersion without losing or repeating events.
Replay any failure with ``pytest tests/sim/test_api_traffic.py -k <name>`` (seeds are fixed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import pytest
import trio

from fault_injection.sim import World, isolate, simulate
from fault_injection.sim.env import SimEnv
from kernel.api.errors import AlreadyExists, Conflict, NotFound
from kernel.client import APIConnectionError
from kernel.client.env_http import open_env_http_client
from kernel.objects import ConfigMap
from tests.sim.api_world import API_URLS, add_api_hosts, add_client_host, config_map, open_store

SEED = 11
Body = Callable[[World, SimEnv, list[Any]], Awaitable[None]]


def run(body: Body, *, seed: int | None = None, apis: int = 1, until: float = 200.0) -> list[Any]:
    """Run `body` on client host ``c`` beside `apis` API hosts; what it appended to `out`."""
    out: list[Any] = []

    async def scenario(world: World) -> None:
        async with open_store() as store:
            add_api_hosts(world, store, apis)
            await world.sleep(0.5)

            async def main(env: SimEnv) -> None:
                await body(world, env, out)

            add_client_host(world, "c", 1, main)
            await world.sleep(until)

    simulate(scenario, seed=SEED if seed is None else seed)
    return out


async def outcome(out: list[Any], call: Awaitable[Any]) -> None:
    """Append what `call` returned, or its error as (type, definite flag)."""
    try:
        out.append(await call)
    except APIConnectionError as err:
        out.append((APIConnectionError, err.definite))
    except Exception as err:
        out.append(type(err))


def test_verbs_and_status_errors_are_those_of_the_http_client() -> None:
    async def body(world: World, env: SimEnv, out: list[Any]) -> None:
        async with open_env_http_client(env, API_URLS[0]) as client:
            made = await client.create(config_map("a", x="1"))
            out.append((await client.get(ConfigMap, "a")).data)
            await outcome(out, client.get(ConfigMap, "missing"))
            await outcome(out, client.create(config_map("a")))
            await client.patch(ConfigMap, "a", {"data": {"x": "2"}})
            await outcome(out, client.update(made))  # stale resourceVersion
            out.append([c.metadata.name for c in (await client.list(ConfigMap, "default")).items])

    assert run(body) == [{"x": "1"}, NotFound, AlreadyExists, Conflict, ["a"]]


def test_a_refused_connect_is_a_definite_failure() -> None:
    async def body(world: World, env: SimEnv, out: list[Any]) -> None:
        async with open_env_http_client(env, "http://10.0.0.1:6000") as client:  # no listener
            await outcome(out, client.get(ConfigMap, "a"))
            out.append(env.monotonic() < 1.0)  # RST answers at once

    assert run(body) == [(APIConnectionError, True), True]


def test_an_unanswered_connect_is_a_definite_failure_after_the_connect_timeout() -> None:
    async def body(world: World, env: SimEnv, out: list[Any]) -> None:
        world.net.partition(isolate("api-1", world.host_names))
        start = env.monotonic()
        async with open_env_http_client(env, API_URLS[0], connect_timeout=4) as client:
            await outcome(out, client.get(ConfigMap, "a"))
        out.append(round(env.monotonic() - start))

    assert run(body) == [(APIConnectionError, True), 4]


def test_a_request_lost_after_it_was_sent_is_an_indefinite_failure() -> None:
    async def body(world: World, env: SimEnv, out: list[Any]) -> None:
        async with open_env_http_client(env, API_URLS[0]) as client:
            await client.create(config_map("a"))  # the connection is open and pooled now
            world.pause("api-1")  # the next request reaches the host but is never served
            world.call_later(3, world.crash, "api-1")  # its RST cuts the request
            await outcome(out, client.create(config_map("b")))

    assert run(body) == [(APIConnectionError, False)]


def test_a_request_to_a_paused_server_times_out_indefinitely() -> None:
    async def body(world: World, env: SimEnv, out: list[Any]) -> None:
        async with open_env_http_client(env, API_URLS[0], timeout=5) as client:
            await client.create(config_map("a"))
            world.pause("api-1")
            start = env.monotonic()
            await outcome(out, client.get(ConfigMap, "a"))
            out.append(round(env.monotonic() - start))
            world.resume("api-1")
            out.append((await client.get(ConfigMap, "a")).metadata.name)  # it serves again

    assert run(body) == [(APIConnectionError, False), 5, "a"]


async def _watch_names(
    client: Any, out: list[Any], names: list[str], stop: int, resume_from: str
) -> None:
    """Watch ConfigMaps, resuming from the last version after every cut, until `stop` seen."""
    version = resume_from
    while len(names) < stop:
        try:
            async with client.watch(ConfigMap, "default", resource_version=version) as events:
                async for event in events:
                    names.append(event.object.metadata.name)
                    version = events.resource_version
                    if len(names) >= stop:
                        return
        except APIConnectionError as err:
            out.append(("cut", err.definite))
            await trio.sleep(1)  # back off a little before re-watching


@pytest.mark.parametrize("cut", ["crash-restart", "partition"])
def test_a_cut_watch_resumes_from_its_version_without_loss_or_repeat(cut: str) -> None:
    async def body(world: World, env: SimEnv, out: list[Any]) -> None:
        names: list[str] = []
        async with open_env_http_client(env, API_URLS[0]) as client:
            start = (await client.list(ConfigMap, "default")).resource_version

            async def writer() -> None:
                for i in range(6):
                    if i == 3:  # cut the watch, and write through api-2 while it is cut
                        await _cut(world, cut, partial(_write_elsewhere, env))
                    await _create_retrying(client, f"cm-{i}")
                    await env.sleep(1)

            env.proc.spawn(writer)
            await _watch_names(client, out, names, 7, start)
        out.append(names)

    out = run(body, apis=2, until=300)
    assert out[0] == ("cut", False)  # a cut stream may have lost bytes: indefinite
    assert out[-1] == ["cm-0", "cm-1", "cm-2", "during-cut", "cm-3", "cm-4", "cm-5"]


async def _write_elsewhere(env: SimEnv) -> None:
    async with open_env_http_client(env, API_URLS[1]) as other:
        await other.create(config_map("during-cut"))


async def _cut(world: World, cut: str, during: Callable[[], Awaitable[None]]) -> None:
    if cut == "crash-restart":
        world.crash("api-1")
        await during()
        await trio.sleep(2)
        world.restart("api-1")
    else:  # an idle watch across a lasting partition ends by keepalive, both sides
        part = world.net.partition(isolate("api-1", world.host_names))
        await during()
        await trio.sleep(45)
        world.net.unpartition(part)
    await trio.sleep(1)


async def _create_retrying(client: Any, name: str) -> None:
    """Create until it is known to exist (an indefinite failure may have created it)."""

    while True:
        try:
            await client.create(config_map(name))
            return
        except AlreadyExists:
            return
        except APIConnectionError:
            await trio.sleep(1)
