"""httpcore's network backend over an `Env`'s `NetStack`: HTTP/1.1 from httpx on `Env.net` streams.

httpcore speaks HTTP/1.1 (keep-alive, chunked bodies) over any stream that reads and writes
bytes; this backend hands it `NetStack.connect_tcp` streams, so the same client runs over real
sockets and over the simulator's network. NetStack errors become httpcore's, which httpx then
maps to its own: a refused connect is `ConnectError`, no answer `ConnectTimeout` (both definite:
nothing was sent), a reset or broken stream `ReadError`/`WriteError` (indefinite). Timeouts run
on trio's clock, virtual in the simulator.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import trio

from kernel.env import DEFAULT_CONNECT_TIMEOUT, NetRefusedError, NetStack, NetTimeoutError

_BROKEN = (trio.BrokenResourceError, trio.ClosedResourceError, OSError)


@contextmanager
def _deadline(timeout: float | None, error: type[Exception], what: str) -> Iterator[None]:
    """Raise `error` when the block takes longer than `timeout` seconds (None: no limit)."""
    if timeout is None:
        yield
        return
    try:
        with trio.fail_after(timeout):
            yield
    except trio.TooSlowError:
        raise error(f"{what} timed out after {timeout}s") from None


def stream_is_readable(stream: trio.abc.Stream) -> bool:
    """Whether a read would return at once (data, EOF or a reset).

    An idle pooled connection that is readable was closed by the server: it must not carry
    the next request.
    """
    if isinstance(stream, trio.SSLStream):
        return stream_is_readable(stream.transport_stream)
    probe = getattr(stream, "is_readable", None)
    if probe is not None:
        return bool(probe())
    sock = getattr(stream, "socket", None)
    return bool(sock is not None and sock.is_readable())


class EnvNetworkStream(httpcore.AsyncNetworkStream):
    """One `NetStack` stream as httpcore sees it (reads and writes with timeouts)."""

    def __init__(self, stream: trio.abc.Stream, server: tuple[str, int]) -> None:
        self._stream = stream
        self._server = server

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _deadline(timeout, httpcore.ReadTimeout, "read"):
            try:
                return bytes(await self._stream.receive_some(max_bytes))
            except _BROKEN as err:
                raise httpcore.ReadError(
                    f"connection to {_show(self._server)} lost: {err}"
                ) from err

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _deadline(timeout, httpcore.WriteTimeout, "write"):
            try:
                await self._stream.send_all(buffer)
            except _BROKEN as err:
                raise httpcore.WriteError(
                    f"connection to {_show(self._server)} lost: {err}"
                ) from err

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self._stream)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = trio.SSLStream(
            self._stream, ssl_context, server_hostname=server_hostname, https_compatible=True
        )
        with _deadline(timeout, httpcore.ConnectTimeout, "TLS handshake"):
            try:
                await tls.do_handshake()
            except _BROKEN as err:
                await trio.aclose_forcefully(self._stream)
                cause = err.__cause__ or err
                raise httpcore.ConnectError(f"TLS with {_show(self._server)}: {cause}") from err
        return EnvNetworkStream(tls, self._server)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return stream_is_readable(self._stream)
        if info == "server_addr":
            return self._server
        if info == "ssl_object" and isinstance(self._stream, trio.SSLStream):
            return self._stream._ssl_object  # what httpcore's own trio backend returns
        return None


class EnvNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens httpcore's connections with `net.connect_tcp` (refused/timeout mapped)."""

    def __init__(
        self, net: NetStack, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> None:
        self._net = net
        self._sleep = sleep or trio.sleep

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,  # noqa: ARG002 - httpcore's signature
        socket_options: Iterable[Any] | None = None,  # noqa: ARG002 - no options on Env.net
    ) -> httpcore.AsyncNetworkStream:
        limit = DEFAULT_CONNECT_TIMEOUT if timeout is None else timeout
        try:
            stream = await self._net.connect_tcp(host, port, timeout=limit)
        except NetTimeoutError as err:
            raise httpcore.ConnectTimeout(str(err)) from err
        except NetRefusedError as err:
            raise httpcore.ConnectError(str(err)) from err
        except OSError as err:  # unreachable, no route: the connection never existed either
            raise httpcore.ConnectError(f"cannot connect to {_show((host, port))}: {err}") from err
        return EnvNetworkStream(stream, (host, port))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ARG002 - httpcore's signature
        socket_options: Iterable[Any] | None = None,  # noqa: ARG002
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(f"Env.net has no Unix sockets (asked for {path})")

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)


def _show(address: tuple[str, int]) -> str:
    return f"{address[0]}:{address[1]}"


__all__ = ["EnvNetworkBackend", "EnvNetworkStream", "stream_is_readable"]
