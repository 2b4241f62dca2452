"""Fixtures: an API server over the memory store on a free loopback port, in its own thread.

The CLI runs trio itself (`trio.run`), so the server lives in a background thread with its own
trio loop; tests call `kernel.cli.app.main(argv)` synchronously against its kubeconfig.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
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


@pytest.fixture
def namespace(
    kubeconfig: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """A fresh namespace per test, so tests sharing the module's server do not see each other."""
    from kernel.cli.app import main

    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:50]
    name = f"{name}-{next(_serial)}"
    path = tmp_path / "namespace.yaml"
    path.write_text(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n")
    assert main(["apply", "-f", str(path), "--kubeconfig", kubeconfig]) == 0
    capsys.readouterr()  # the test sees only its own commands' output
    return name


_serial = itertools.count()
