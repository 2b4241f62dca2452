"""No exception from one request or one watch ends the server: the guards around each."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from components.apiserver.http import Request, Responder
from components.apiserver.server import APIServer
from components.apiserver.serving import HTTPServer, open_http_server
from kernel.registry import load
from tests.security.conftest import Raw


async def _buggy(request: Request, responder: Responder) -> None:
    """A handler with a bug outside the app's own error handling."""
    if request.path == "/boom":
        raise RuntimeError("a bug")
    await responder.json(200, {"ok": True})


async def test_a_bug_while_serving_a_connection_is_a_500_status_and_the_server_lives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    raw = Raw("127.0.0.1", port)
    async with trio.open_nursery() as nursery:
        await nursery.start(HTTPServer(_buggy).serve, listeners)
        with caplog.at_level(logging.ERROR, "kubelab.apiserver"):
            code, body = await raw.request("GET", "/boom")
        assert (code, body["reason"], body["kind"]) == (500, "InternalError", "Status")
        assert [r.message.count("\n") for r in caplog.records] == [0]
        code, body = await raw.request("GET", "/fine")
        assert (code, body) == (200, {"ok": True})
        nursery.cancel_scope.cancel()


class _BrokenWatchStore:
    """The memory store, except that every watch fails with an unexpected error."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def watch(self, *args: Any, **kwargs: Any) -> Any:
        @asynccontextmanager
        async def failing() -> AsyncIterator[Any]:
            raise ValueError("a store bug")
            yield

        return failing()


async def test_a_failing_shared_watch_ends_its_watchers_not_the_server() -> None:
    async with load("store", "memory")() as store:  # type: ignore[operator]
        server = APIServer(_BrokenWatchStore(store), rng=random.Random(7))  # type: ignore[arg-type]
        await server.start()
        async with open_http_server(server) as url:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            raw = Raw(host, int(port))
            for _ in range(3):
                stream = await trio.open_tcp_stream(host, int(port))
                async with stream:
                    await stream.send_all(b"GET /api/v1/pods?watch=1 HTTP/1.1\r\nhost: x\r\n\r\n")
                    seen = b""
                    with trio.fail_after(10):
                        while b"0\r\n\r\n" not in seen:
                            more = await stream.receive_some(65536)
                            if not more:
                                break
                            seen += more
                assert b"200" in seen.split(b"\r\n")[0]
                assert b'"ERROR"' in seen or b"InternalError" in seen, seen
            code, _ = await raw.request("GET", "/api/v1/pods")
            assert code == 200
