"""A watcher that stops reading: its watch ends promptly, with a 410 ERROR when it reads again.

Before the bound, the server kept up to 64 MiB per stalled watcher, never ended the stream,
and then held the connection for the 75 s keep-alive (issue 10).
"""

from __future__ import annotations

import json
import socket

import pytest
import trio

from components.apiserver import serving
from components.apiserver.auth import ADMIN_USER
from components.apiserver.server import APIServer
from kernel.api.requests import Target
from kernel.objects import resource_for_kind
from tests.apiserver.fakes import pod

PODS = resource_for_kind("Pod")
BIG = "x" * 16384


def stalled_watch(url: str) -> socket.socket:
    """A raw client with a tiny receive buffer that asks for a pod watch and does not read."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.sendall(
        b"GET /api/v1/namespaces/default/pods?watch=1&resourceVersion=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    return sock


def read_all(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


async def flood(server: APIServer, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        body = pod(f"p{i}")
        body["metadata"]["annotations"] = {"pad": BIG}
        await server.create(ADMIN_USER, Target(PODS, "default"), body)
        await trio.sleep(0)


def watch_is_open(server: APIServer) -> bool:
    return server.watch_limits.open() > 0


@pytest.fixture
def small_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "DIRECT_BACKLOG_BYTES", 64 * 1024)
    monkeypatch.setattr(serving, "WATCH_STALL_SECONDS", 0.5, raising=False)


@pytest.mark.usefixtures("small_buffers")
async def test_a_watcher_that_never_reads_is_ended_and_disconnected_promptly(
    server: APIServer, url: str
) -> None:
    sock = await trio.to_thread.run_sync(stalled_watch, url)
    try:
        with trio.fail_after(5):
            while not watch_is_open(server):
                await trio.sleep(0.01)
            await flood(server, 400)  # ~6.5 MB: far past the socket buffers and the backlog
            while watch_is_open(server):
                await trio.sleep(0.05)
        data = await trio.to_thread.run_sync(read_all, sock)  # the server closed its side
        assert b"HTTP/1.1 200" in data
    finally:
        sock.close()


@pytest.mark.usefixtures("small_buffers")
async def test_a_watcher_that_reads_again_gets_a_410_too_slow_error_and_a_clean_end(
    server: APIServer, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "WATCH_STALL_SECONDS", 30.0, raising=False)  # time to come back
    sock = await trio.to_thread.run_sync(stalled_watch, url)
    try:
        with trio.fail_after(10):
            while not watch_is_open(server):
                await trio.sleep(0.01)
            hub = next(iter(server.watch_cache._hubs.values()))
            sub = next(iter(hub.subscribers))
            written = 0
            while not sub.dropped:
                await flood(server, 1, start=written)
                written += 1
            data = await trio.to_thread.run_sync(read_all, sock)
        body_part = data.split(b"\r\n\r\n", 1)[1]
        assert body_part.endswith(b"0\r\n\r\n")  # the chunked stream ended cleanly
        lines = [ln for ln in body_part.split(b"\n") if ln.startswith(b"{")]
        last = json.loads(lines[-1])
        assert last["type"] == "ERROR"
        assert last["object"]["code"] == 410
        assert "too slow" in last["object"]["message"]
        with trio.fail_after(5):
            while watch_is_open(server):
                await trio.sleep(0.05)
    finally:
        sock.close()
