from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.server import APIServer
from kernel.registry import load


@pytest.fixture
async def client() -> AsyncIterator[InProcessClient]:
    async with load("store", "memory")() as store:  # type: ignore[operator]
        server = APIServer(store, rng=random.Random(5))
        await server.start()
        yield InProcessClient(server)
