"""Fixtures for the hostile-input suite: a real HTTP API server over each store, raw sockets."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator

import pytest
import trio

from components.apiserver.loadgen import parse_response
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from kernel.registry import load


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
                while (parsed := parse_response(buffer)) is None:
                    more = await stream.receive_some(65536)
                    assert more, f"the server closed without answering {data[:200]!r}"
                    buffer += more
        code, body = parsed
        try:
            return code, json.loads(body) if body else {}
        except ValueError:
            return code, {"raw": body.decode("utf-8", "replace")}

    async def request(
        self, method: str, path: str, body: bytes | str = b"", content_type: str = "application/json"
    ) -> tuple[int, dict]:
        """One request with a Content-Length body."""
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        head = (
            f"{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {content_type}\r\n"
            f"content-length: {len(data)}\r\n\r\n"
        ).encode("latin-1")
        return await self.send(head + data)


def assert_refused(code: int, body: dict, *codes: int) -> dict:
    """A 4xx among `codes` (any 4xx when empty) with a Status body naming a reason."""
    assert 400 <= code < 500, (code, body)
    if codes:
        assert code in codes, (code, body)
    assert body.get("kind") == "Status" and body.get("reason"), body
    assert body.get("code") == code, body
    return body


@pytest.fixture
async def api() -> AsyncIterator[tuple[APIServer, Raw]]:
    """An API server on the memory store, served over HTTP on loopback."""
    factory = load("store", "memory")
    async with factory() as store:  # type: ignore[operator]
        server = APIServer(store, rng=random.Random(7))
        await server.start()
        async with open_http_server(server) as url:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            yield server, Raw(host, int(port))
