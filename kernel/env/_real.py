"""The real `Env`: trio, real sockets (tests keep to 127.0.0.0/8), the wall clock.

`open_real_env(name, seed=...)` runs one timer task for every `call_at` of the Env, and
translates socket errors into the kernel's `NetRefusedError`, `NetResetError` and
`NetTimeoutError`, so code written for the simulator's stack handles real failures unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import random
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import trio

from kernel.clock import WallClock
from kernel.env._errors import NetRefusedError, NetResetError, NetTimeoutError
from kernel.env._protocols import DEFAULT_CONNECT_TIMEOUT, Address
from kernel.env._rng import rng_for
from kernel.env._timers import TimerHandle, TimerQueue

_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})


def _reset_from(err: BaseException) -> NetResetError | None:
    cause = err if isinstance(err, OSError) else err.__cause__ or err.__context__
    if isinstance(cause, OSError) and cause.errno in _RESET_ERRNOS:
        return NetResetError(f"connection reset: {cause}")
    return None


class RealStream(trio.abc.Stream):
    """A `trio.SocketStream` whose resets raise `NetResetError` (still a BrokenResourceError)."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self._stream = stream

    @property
    def socket(self) -> trio.socket.SocketType:
        """The underlying socket (for addresses and options)."""
        return self._stream.socket

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        try:
            await self._stream.send_all(data)
        except (trio.BrokenResourceError, OSError) as err:
            reset = _reset_from(err)
            if reset is None:
                raise
            raise reset from err

    async def wait_send_all_might_not_block(self) -> None:
        await self._stream.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        try:
            return bytes(await self._stream.receive_some(max_bytes))
        except (trio.BrokenResourceError, OSError) as err:
            reset = _reset_from(err)
            if reset is None:
                raise
            raise reset from err

    async def aclose(self) -> None:
        await self._stream.aclose()


class RealListener:
    """A listening socket on the real network."""

    def __init__(self, listener: trio.SocketListener) -> None:
        self._listener = listener

    @property
    def address(self) -> Address:
        host, port = self._listener.socket.getsockname()[:2]
        return (host, port)

    async def accept(self) -> trio.abc.Stream:
        return RealStream(await self._listener.accept())

    async def aclose(self) -> None:
        await self._listener.aclose()


class RealUdpSocket:
    """A bound UDP socket on the real network."""

    def __init__(self, sock: trio.socket.SocketType) -> None:
        self._sock = sock

    @property
    def address(self) -> Address:
        host, port = self._sock.getsockname()[:2]
        return (host, port)

    async def send_to(self, data: bytes, address: Address) -> None:
        with contextlib.suppress(ConnectionRefusedError):  # ICMP from an earlier send
            await self._sock.sendto(data, address)

    async def receive_from(self) -> tuple[bytes, Address]:
        while True:
            try:
                data, addr = await self._sock.recvfrom(65536)
            except ConnectionRefusedError:
                continue  # Linux reports an earlier ICMP unreachable here; UDP has no errors
            return data, (addr[0], addr[1])

    async def aclose(self) -> None:
        self._sock.close()
        await trio.lowlevel.checkpoint()


class RealNetStack:
    """`NetStack` over the host's sockets (IPv4)."""

    async def connect_tcp(
        self, host: str, port: int, *, timeout: float = DEFAULT_CONNECT_TIMEOUT
    ) -> trio.abc.Stream:
        sock = trio.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            with trio.fail_after(timeout):
                await sock.connect((host, port))
        except trio.TooSlowError:
            sock.close()
            raise NetTimeoutError(f"connect to {host}:{port} timed out after {timeout}s") from None
        except ConnectionRefusedError as err:
            sock.close()
            raise NetRefusedError(f"connection to {host}:{port} refused") from err
        except BaseException:
            sock.close()
            raise
        return RealStream(trio.SocketStream(sock))

    async def listen_tcp(self, host: str, port: int) -> RealListener:
        sock = trio.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        await sock.bind((host, port))
        sock.listen(128)
        return RealListener(trio.SocketListener(sock))

    async def bind_udp(self, host: str, port: int) -> RealUdpSocket:
        sock = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        await sock.bind((host, port))
        return RealUdpSocket(sock)


class RealEnv:
    """`Env` for a real process: trio time, wall clock, sockets; records kept in `records`."""

    def __init__(self, name: str, seed: int, timers: TimerQueue) -> None:
        self.name = name
        self.seed = seed
        self._timers = timers
        self._net = RealNetStack()
        self._clock = WallClock()
        self.records: list[tuple[float, str, tuple[Any, ...]]] = []
        """Every `record` call: (monotonic time, kind, details), for graders to read."""

    @property
    def net(self) -> RealNetStack:
        return self._net

    @property
    def clock(self) -> WallClock:
        return self._clock

    def wall(self) -> float:
        return self._clock.now()

    def monotonic(self) -> float:
        return trio.current_time()

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    def call_at(self, when: float, fn: Callable[..., Any], *args: Any) -> TimerHandle:
        return self._timers.call_at(when, fn, *args)

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any) -> TimerHandle:
        return self._timers.call_at(trio.current_time() + delay, fn, *args)

    def rng(self, *names: str) -> random.Random:
        return rng_for(self.seed, names)

    def record(self, kind: str, *details: Any) -> None:
        self.records.append((trio.current_time(), kind, details))


@contextlib.asynccontextmanager
async def open_real_env(name: str, *, seed: int) -> AsyncIterator[RealEnv]:
    """A `RealEnv` whose timers run while the block runs (one task for all of them)."""
    timers = TimerQueue()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(timers.run)
        yield RealEnv(name, seed, timers)
        nursery.cancel_scope.cancel()


__all__ = [
    "RealEnv",
    "RealListener",
    "RealNetStack",
    "RealStream",
    "RealUdpSocket",
    "open_real_env",
]
