"""Raw etcd puts through two HTTP client libraries under trio, for choosing the adapter's client.

`open_gateway_putter(url, library)` yields `put(client, i)` that POSTs one 256-byte
`/v3/kv/put` to etcd's JSON gateway through one of: the adapter's own keep-alive pool
(`kubelab`, components/store/etcd/_http.py), the same pooling over h11's parser (`h11`, the
maintained HTTP/1.1 state machine httpx is built on), or `httpx.AsyncClient`. No Store logic
sits in between, so `kubelab bench store --compare-clients` shows what the client library alone
costs at 1 and 32 concurrent clients.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Literal

import attrs
import h11
import trio

from components.store.etcd._codec import b64
from components.store.etcd._http import ConnectionPool, Endpoint

ClientLibrary = Literal["kubelab", "h11", "httpx"]
CLIENT_LIBRARIES: tuple[ClientLibrary, ...] = ("kubelab", "h11", "httpx")
"""The client libraries compared: the adapter's pool first (the baseline)."""

PutFunction = Callable[[int, int], Awaitable[None]]


def _put_body(prefix: bytes, value: bytes, client: int, index: int) -> bytes:
    key = prefix + b"%03d/%06d" % (client, index)
    return json.dumps({"key": b64(key), "value": b64(value)}).encode()


def _check(status: int, body: bytes) -> None:
    if status != 200:
        raise RuntimeError(f"etcd put answered HTTP {status}: {body[:200]!r}")


@attrs.define
class _H11Pool:
    """Keep-alive connections driven by h11, one request at a time on each (as `_http` does)."""

    endpoint: Endpoint
    _idle: list[tuple[trio.SocketStream, h11.Connection]] = attrs.field(factory=list)

    async def request(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` to `path`; return status and body."""
        if self._idle:
            stream, conn = self._idle.pop()
        else:
            stream = await trio.open_tcp_stream(self.endpoint.host, self.endpoint.port)
            stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = h11.Connection(h11.CLIENT)
        headers = [
            ("Host", f"{self.endpoint.host}:{self.endpoint.port}"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ]
        out = conn.send(h11.Request(method="POST", target=path, headers=headers)) or b""
        out += conn.send(h11.Data(data=body)) or b""
        out += conn.send(h11.EndOfMessage()) or b""
        await stream.send_all(out)
        status, pieces = 0, []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                pieces.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise RuntimeError("etcd closed the connection mid-response")
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
            self._idle.append((stream, conn))
        else:
            await stream.aclose()
        return status, b"".join(pieces)

    async def aclose(self) -> None:
        """Close the idle connections."""
        idle, self._idle = self._idle, []
        for stream, _ in idle:
            await stream.aclose()


@asynccontextmanager
async def open_gateway_putter(
    url: str,
    library: ClientLibrary,
    *,
    value_size: int = 256,
    prefix: bytes = b"/kubelab-bench/raw/",
    timeout: float = 30.0,
) -> AsyncIterator[PutFunction]:
    """Yield `put(client, i)` that writes one key through `library`; close it on exit."""
    value = bytes(value_size)
    if library == "kubelab":
        pool = ConnectionPool(Endpoint.parse(url))

        async def put_pool(client: int, index: int) -> None:
            response = await pool.request(
                "/v3/kv/put", _put_body(prefix, value, client, index), timeout=timeout
            )
            _check(response.status, response.body)

        try:
            yield put_pool
        finally:
            await pool.aclose()
        return
    if library == "h11":
        h11_pool = _H11Pool(Endpoint.parse(url))

        async def put_h11(client: int, index: int) -> None:
            _check(*await h11_pool.request("/v3/kv/put", _put_body(prefix, value, client, index)))

        try:
            yield put_h11
        finally:
            await h11_pool.aclose()
        return
    if library != "httpx":
        raise ValueError(f"client library must be one of {CLIENT_LIBRARIES}, got {library!r}")
    import httpx

    limits = httpx.Limits(max_connections=None, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as http:

        async def put_httpx(client: int, index: int) -> None:
            response = await http.post(
                "/v3/kv/put", content=_put_body(prefix, value, client, index)
            )
            _check(response.status_code, response.content)

        yield put_httpx


__all__ = ["CLIENT_LIBRARIES", "ClientLibrary", "PutFunction", "open_gateway_putter"]
