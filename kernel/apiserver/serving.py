"""Serve an `APIServer` over HTTP with hypercorn's trio worker.

``await nursery.start(serve_http, server, "127.0.0.1", 0)`` returns the URL once the socket
listens (port 0 picks a free port); cancelling the nursery stops it. `open_http_server` is
the same as an async context manager. A port that is taken raises `AddressInUseError` with
the address, so the CLI can say so in one line.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from kernel.apiserver.http import APIApp
from kernel.apiserver.server import APIServer


class AddressInUseError(OSError):
    """The address to listen on is taken by another process."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            errno.EADDRINUSE, f"cannot listen on {host}:{port}: address already in use"
        )
        self.host = host
        self.port = port

    def __str__(self) -> str:
        return str(self.args[1])


def hypercorn_config(host: str, port: int) -> Config:
    """A quiet hypercorn config bound to one address."""
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    config.loglevel = "WARNING"
    config.graceful_timeout = 1.0
    config.keep_alive_timeout = 75.0
    logging.getLogger("hypercorn.error").setLevel(logging.WARNING)
    return config


async def serve_http(
    server: APIServer,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_requests_inflight: int = 400,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve until cancelled; reports ``http://host:port`` through `task_status`."""
    config = hypercorn_config(host, port)

    class _Started:
        def started(self, binds: list[str] | None = None) -> None:
            task_status.started((binds or [""])[0])

    try:
        app = APIApp(server, max_requests_inflight)
        await serve(app, config, task_status=_Started())  # type: ignore[arg-type]
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise AddressInUseError(host, port) from None
        raise


@asynccontextmanager
async def open_http_server(
    server: APIServer, host: str = "127.0.0.1", port: int = 0, *, max_requests_inflight: int = 400
) -> AsyncIterator[str]:
    """Run the HTTP front end for the block; yields its URL."""
    async with trio.open_nursery() as nursery:
        url = await nursery.start(
            partial(serve_http, max_requests_inflight=max_requests_inflight), server, host, port
        )
        try:
            yield url
        finally:
            nursery.cancel_scope.cancel()


__all__ = ["AddressInUseError", "hypercorn_config", "open_http_server", "serve_http"]
