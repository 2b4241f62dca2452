"""Fixtures: an API server over the memory store on a free loopback port, in its own thread.

The CLI runs trio itself (`trio.run`), so the server lives in a background thread with its own
trio loop; tests call `kernel.cli.app.main(argv)` synchronously against its kubeconfig.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from kernel.apiserver.server import APIServer
from kernel.apiserver.serving import open_http_server
from kernel.client import write_kubeconfig
from kernel.registry import load


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    ready: list[str] = []
    started = threading.Event()
    stop = threading.Event()

    async def serve() -> None:
        factory = load("store", "memory")
        async with factory() as store:  # type: ignore[operator]
            api = APIServer(store, rng=random.Random(3))
            await api.start()
            async with open_http_server(api) as url:
                ready.append(url)
                started.set()
                while not stop.is_set():
                    await trio.sleep(0.05)

    thread = threading.Thread(target=trio.run, args=(serve,), daemon=True)
    thread.start()
    assert started.wait(20), "API server did not start"
    yield ready[0]
    stop.set()
    thread.join(10)


@pytest.fixture
def kubeconfig(api_url: str, tmp_path: Path) -> str:
    return str(write_kubeconfig(tmp_path / "kubeconfig", api_url))
