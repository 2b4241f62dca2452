"""`open_env_http_client`: the HTTP client over `Env.net`, with failover between API servers.

The same `HTTPClient` (`HTTPRaw` over httpx, so the same verbs, watch streams and errors) but
its connections are `env.net` TCP streams: real sockets under `open_real_env`, the simulated
network under `SimEnv`, where partitions, pauses and kills reach API traffic.

Several server URLs may be given (an HA control plane without a load balancer). Requests go to
the current server. A request that could not connect (refused, or no answer within
`connect_timeout`) never reached anyone, so it is sent to the next server at once; when every
server failed so, the request fails definitely (`APIConnectionError(definite=True)`). A
failure after the request may have been sent (a reset, a read timeout, a cut watch) is
indefinite and is raised, but the next request starts at the next server, so an informer's
re-list and re-watch land on a live one. Each switch is `env.record("api-failover", old, new)`.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager

import httpcore
import httpx

from kernel.client._env_backend import EnvNetworkBackend
from kernel.client.http import DEFAULT_TIMEOUT, HTTPClient, open_http_client
from kernel.env import DEFAULT_CONNECT_TIMEOUT, Env

_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.NetworkError, httpx.NetworkError),
)
"""httpcore's errors as httpx's (most specific first), so `HTTPRaw` classifies them as usual."""

_DEFINITE = (httpx.ConnectError, httpx.ConnectTimeout)
"""Failures before any byte of the request left: safe to send to another server."""


@contextmanager
def _as_httpx(on_error: Callable[[], None]) -> Iterator[None]:
    """Re-raise httpcore errors as the matching httpx error; call `on_error` first."""
    try:
        yield
    except httpx.TransportError:
        on_error()
        raise
    except Exception as err:
        for source, target in _ERRORS:
            if isinstance(err, source):
                on_error()
                raise target(str(err)) from err
        raise


def parse_server(url: str) -> httpx.URL:
    """A server URL (``http://10.0.0.1:6443``), checked; ValueError naming it otherwise."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"server {url!r}: expected http(s)://host:port")
    return parsed


class FailoverTransport(httpx.AsyncBaseTransport):
    """httpx transport over an httpcore pool on `Env.net`, moving between `servers`."""

    def __init__(
        self,
        env: Env,
        servers: Sequence[str],
        *,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not servers:
            raise ValueError("servers: give at least one API server URL")
        self.servers = [parse_server(s) for s in servers]
        self.current = 0
        """Index of the server requests go to first."""
        self._env = env
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=None,  # httpcore would read the wall clock; idle closes are seen
            network_backend=EnvNetworkBackend(env.net, env.sleep),
        )

    def _switch(self, failed: int) -> None:
        """Move on from server `failed` (unless another request already did)."""
        if self.current == failed and len(self.servers) > 1:
            self.current = (failed + 1) % len(self.servers)
            old, new = self.servers[failed], self.servers[self.current]
            self._env.record("api-failover", f"{old.host}:{old.port}", f"{new.host}:{new.port}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = self.current
        for attempt in range(len(self.servers)):
            index = (start + attempt) % len(self.servers)
            try:
                return await self._send(index, request)
            except _DEFINITE:
                if attempt == len(self.servers) - 1:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(self, index: int, request: httpx.Request) -> httpx.Response:
        server = self.servers[index]
        port = server.port or (443 if server.scheme == "https" else 80)
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
        host_header = server.host if server.port is None else f"{server.host}:{server.port}"
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=server.raw_scheme,
                host=server.raw_host,
                port=port,
                target=request.url.raw_path,
            ),
            headers=[(b"host", host_header.encode("ascii")), *headers],
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        with _as_httpx(lambda: self._switch(index)):
            response = await self._pool.handle_async_request(core)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, lambda: self._switch(index)),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _Body(httpx.AsyncByteStream):
    """A response body whose transport errors are httpx's (a cut watch moves servers too)."""

    def __init__(self, stream: AsyncIterator[bytes], on_error: Callable[[], None]) -> None:
        self._stream = stream
        self._on_error = on_error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx(self._on_error):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


@asynccontextmanager
async def open_env_http_client(
    env: Env,
    servers: str | Sequence[str],
    *,
    token: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    max_connections: int = 100,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[HTTPClient]:
    """An `HTTPClient` whose traffic travels on `env.net`, failing over between `servers`.

    `timeout` bounds each non-watch request (indefinite when it passes), `connect_timeout`
    each connect (definite: the next server is tried).
    """
    urls = [servers] if isinstance(servers, str) else list(servers)
    transport = FailoverTransport(
        env, urls, max_connections=max_connections, ssl_context=ssl_context
    )
    limits = httpx.Timeout(timeout, connect=connect_timeout)
    async with open_http_client(
        urls[0], token=token, timeout=limits, transport=transport
    ) as client:
        yield client


__all__ = ["FailoverTransport", "open_env_http_client", "parse_server"]
