"""Fixtures for the hostile-input suite: a real HTTP API server over each store, raw sockets."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
import trio

from components.apiserver.loadgen import parse_response
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from kernel.interfaces.store import Store
from kernel.registry import load


def _response(buffer: bytearray) -> tuple[int, bytes] | None:
    """A whole Content-Length response, or (code, b"") for a streamed (chunked) one."""
    end = buffer.find(b"\r\n\r\n")
    if end >= 0 and b"content-length:" not in bytes(buffer[:end]).lower():
        return int(buffer[9:12]), b""
    return parse_response(buffer)


class Raw:
    """Sends hand-made request bytes to the server and reads one response (fresh connection)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    async def send(self, data: bytes) -> tuple[int, dict]:
        """(status code, JSON body or {}) of the answer to `data`; fails if none comes."""
        stream = await trio.open_tcp_stream(self.host, self.port)
        async with stream:
            await stream.send_all(data)
            buffer = bytearray()
            with trio.fail_after(20):
                while (parsed := _response(buffer)) is None:
                    more = await stream.receive_some(65536)
                    assert more, f"the server closed without answering {data[:200]!r}"
                    buffer += more
        code, body = parsed
        try:
            return code, json.loads(body) if body else {}
        except ValueError:
            return code, {"raw": body.decode("utf-8", "replace")}

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | str = b"",
        content_type: str = "application/json",
    ) -> tuple[int, dict]:
        """One request with a Content-Length body."""
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        head = (
            f"{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {content_type}\r\n"
            f"content-length: {len(data)}\r\n\r\n"
        ).encode("latin-1")
        return await self.send(head + data)


def assert_refused(code: int, body: dict, *codes: int) -> dict:
    """A 4xx among `codes` (any 4xx when empty) with a Status body naming a reason.

    504 is allowed only where listed: Kubernetes' "Too large resource version" (reason Timeout).
    """
    assert 400 <= code < 500 or (code == 504 in codes and body.get("reason") == "Timeout"), (
        code,
        body,
    )
    if codes:
        assert code in codes, (code, body)
    assert body.get("kind") == "Status", body
    assert body.get("reason"), body
    assert body.get("code") == code, body
    return body


class BackgroundStore:
    """A store's server processes run for the whole session from a thread with its own trio.

    Starting etcd or a Raft member takes about a second, so each test opens only a client
    to the shared processes (and wipes the keys first): the suite stays a few seconds per store.
    """

    def __init__(self, opener: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
        self._opener = opener
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.handle: Any = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Any:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        if self.handle is None:
            raise RuntimeError("the store did not start within 60 s")
        return self.handle

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as err:
            self._error = err
            self._ready.set()

    async def _main(self) -> None:
        async with self._opener() as handle:
            self.handle = handle
            self._ready.set()
            await trio.to_thread.run_sync(self._stop.wait)


STORES = ["memory", "raft", "etcd"]


@pytest.fixture(scope="session")
def raft_cluster() -> Iterator[Any]:
    """One local Raft member process (no fsync), shared by the session."""
    from components.store.raft.local import open_local_raft_cluster

    runner = BackgroundStore(lambda: open_local_raft_cluster(1, fsync=False))
    yield runner.start()
    runner.stop()


@pytest.fixture(scope="session")
def etcd_cluster() -> Iterator[Any]:
    """One real etcd member, shared by the session (skips without etcd, fails in CI)."""
    from components.store.etcd import open_local_etcd
    from tests.etcd.conftest import require_etcd

    require_etcd()
    runner = BackgroundStore(lambda: open_local_etcd(1))
    yield runner.start()
    runner.stop()


@asynccontextmanager
async def open_store(request: pytest.FixtureRequest, kind: str) -> AsyncIterator[Store]:
    """A client of a `kind` store holding no keys."""
    if kind == "memory":
        async with load("store", "memory")() as store:  # type: ignore[operator]
            yield store
        return
    if kind == "raft":
        from components.store.raft.local import open_cluster_client

        opener = open_cluster_client(request.getfixturevalue("raft_cluster"))
    else:
        from components.store.etcd import open_etcd_store

        opener = open_etcd_store(request.getfixturevalue("etcd_cluster").endpoints)
    async with opener as store:
        await store.delete_range(b"\x00", b"\xff")
        yield store


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def open_api(
    request: pytest.FixtureRequest, kind: str
) -> AsyncIterator[tuple[APIServer, Raw]]:
    """An API server on a fresh `kind` store, served over HTTP on loopback."""
    async with open_store(request, kind) as store:
        server = APIServer(store, rng=random.Random(7))
        await server.start()
        async with open_http_server(server) as url:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            yield server, Raw(host, int(port))


@pytest.fixture
async def api(
    request: pytest.FixtureRequest, store_kind: str
) -> AsyncIterator[tuple[APIServer, Raw]]:
    """An API server over each store in turn (memory, Raft, etcd), served over HTTP."""
    async with open_api(request, store_kind) as opened:
        yield opened


class SyncRaw:
    """`Raw` with blocking sockets, for hypothesis tests (plain functions) against `served`."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    def send(self, data: bytes, timeout: float = 20.0) -> tuple[int, dict]:
        """(status code, JSON body or {}) of the answer to `data`; fails if none comes."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            with contextlib.suppress(OSError):  # the server may answer and close early
                sock.sendall(data)
            buffer = bytearray()
            while (parsed := _response(buffer)) is None:
                more = sock.recv(65536)
                assert more, f"the server closed without answering {data[:200]!r}"
                buffer += more
        code, body = parsed
        try:
            return code, json.loads(body) if body else {}
        except ValueError:
            return code, {"raw": body.decode("utf-8", "replace")}

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict]:
        head = f"{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {len(body)}\r\n\r\n"
        return self.send(head.encode() + body)


@pytest.fixture(scope="session", params=STORES)
def served(request: pytest.FixtureRequest) -> Iterator[SyncRaw]:
    """An API server over each store, run for the session from a background thread."""
    kind = str(request.param)

    @asynccontextmanager
    async def opener() -> AsyncIterator[SyncRaw]:
        async with open_api(request, kind) as (_, raw):
            yield SyncRaw(raw.host, raw.port)

    if kind != "memory":  # start the store's processes from the test thread first
        request.getfixturevalue(f"{kind}_cluster")
    runner = BackgroundStore(opener)
    yield runner.start()
    runner.stop()
