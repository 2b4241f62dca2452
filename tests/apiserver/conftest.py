"""Fixtures: a memory store from the registry, API servers over it, and both clients."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from kernel.client import HTTPClient, open_http_client
from kernel.interfaces.store import Store
from kernel.registry import load
from tests.apiserver.fakes import FixedClock


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    """The embedded default store, as `kubelab up` gets it: through the registry."""
    factory = load("store", "memory")
    async with factory() as opened:  # type: ignore[operator]
        yield opened


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def server(store: Store, clock: FixedClock) -> APIServer:
    api = APIServer(store, clock=clock, rng=random.Random(7))
    await api.start()
    return api


@pytest.fixture
async def url(server: APIServer) -> AsyncIterator[str]:
    async with open_http_server(server) as address:
        yield address


@pytest.fixture(params=["inprocess", "http"])
async def client(
    request: pytest.FixtureRequest, server: APIServer
) -> AsyncIterator[HTTPClient | InProcessClient]:
    """The same tests run over both implementations: they must behave identically."""
    if request.param == "inprocess":
        yield InProcessClient(server)
        return
    async with open_http_server(server) as address, open_http_client(address) as http:
        yield http
