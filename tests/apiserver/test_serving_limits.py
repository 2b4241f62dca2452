"""Serving limits on the wire: stalled heads and bodies time out, connections past the limit close.

Each of these failed before `ServingLimits`: a stalled upload held its connection (and its
buffer) for as long as the client liked, and there was no connection limit at all.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import trio

from components.apiserver.limits import ServingLimits
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from tests.apiserver.test_http_server import PODS, Client

SHORT = ServingLimits(request_timeout=0.3, read_header_timeout=0.3, idle_timeout=5)


async def _connect(url: str) -> Client:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return Client(await trio.open_tcp_stream(host, int(port)))


@pytest.fixture
async def short_url(server: APIServer) -> AsyncIterator[str]:
    async with open_http_server(server, limits=SHORT) as address:
        yield address


async def test_a_stalled_request_body_gets_408_and_the_connection_closes(short_url: str) -> None:
    conn = await _connect(short_url)
    head = f"POST {PODS} HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
    await conn.send(head.encode() + b"content-length: 1000\r\n\r\n" + b"{" * 10)
    with trio.fail_after(3):
        code, _, status = await conn.response()
    assert (code, status["kind"], status["reason"]) == (408, "Status", "Timeout")
    assert await conn.closed()


async def test_a_stalled_request_head_gets_408_and_the_connection_closes(short_url: str) -> None:
    conn = await _connect(short_url)
    await conn.send(b"GET /version HTTP/1.1\r\nhost: t\r\n")  # never the blank line
    with trio.fail_after(3):
        code, _, status = await conn.response()
    assert (code, status["reason"]) == (408, "Timeout")
    assert await conn.closed()


async def test_an_idle_keep_alive_connection_is_closed(server: APIServer) -> None:
    limits = ServingLimits(idle_timeout=0.2)
    async with open_http_server(server, limits=limits) as url:
        conn = await _connect(url)
        await conn.send(b"GET /version HTTP/1.1\r\nhost: t\r\n\r\n")
        assert (await conn.response())[0] == 200
        assert await conn.closed()  # within Client.closed's 5 s, well before any default


async def test_a_head_over_the_configured_size_gets_431(server: APIServer) -> None:
    async with open_http_server(server, limits=ServingLimits(max_head_bytes=1024)) as url:
        conn = await _connect(url)
        await conn.send(b"GET /version HTTP/1.1\r\nhost: t\r\nx-big: " + b"a" * 2000 + b"\r\n\r\n")
        code, _, status = await conn.response()
        assert (code, status["kind"]) == (431, "Status")


async def test_connections_past_the_limit_are_closed_at_once_and_logged(
    server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kubelab.apiserver")
    async with open_http_server(server, limits=ServingLimits(max_connections=3)) as url:
        held = [await _connect(url) for _ in range(3)]
        for conn in held:  # each is being served, so each counts
            await conn.send(b"GET /healthz HTTP/1.1\r\nhost: t\r\n\r\n")
            assert (await conn.head()).startswith(b"HTTP/1.1 200 ")
        for _ in range(5):
            extra = await _connect(url)
            assert await extra.closed()  # EOF promptly, not a hang
        lines = [r.getMessage() for r in caplog.records if "connection limit" in r.getMessage()]
        assert len(lines) == 1, lines  # one line while at the limit, not one per refusal
        await held[0].stream.aclose()
        with trio.fail_after(3):
            while True:  # the slot frees once the server sees the close
                fresh = await _connect(url)
                await fresh.send(b"GET /healthz HTTP/1.1\r\nhost: t\r\n\r\n")
                try:
                    if (await fresh.head()).startswith(b"HTTP/1.1 200 "):
                        break
                except AssertionError:  # closed: the server had not noticed the close yet
                    await trio.sleep(0.05)
        for conn in held[1:]:
            await conn.stream.aclose()


def test_limits_refuse_non_positive_values() -> None:
    with pytest.raises(ValueError, match="max_connections must be positive"):
        ServingLimits(max_connections=0)


def test_defaults_are_kubernetes_values() -> None:
    limits = ServingLimits()
    assert (limits.request_timeout, limits.read_header_timeout, limits.idle_timeout) == (60, 32, 90)
    assert limits.max_body_bytes == 3 * 1024 * 1024
