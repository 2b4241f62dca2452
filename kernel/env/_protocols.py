"""The contracts of `Env`, the world a component lives in, and of its `NetStack`.

One component is written against these Protocols and runs unchanged in a real cluster
(`kernel.env.open_real_env`: trio, sockets on 127.0.0.0/8, the wall clock) and in the simulator
(`fault_injection.sim.SimEnv`: virtual time, the simulated network with its partitions, latency,
loss and pauses). See docs/interfaces/env.md.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import trio

from kernel.clock import Clock

Address = tuple[str, int]
"""An IPv4 address and a port, e.g. ("127.0.0.1", 8080)."""

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds a `connect_tcp` waits for an answer before `NetTimeoutError`."""


@runtime_checkable
class Cancellable(Protocol):
    """What `call_at`/`call_later` return."""

    def cancel(self) -> None:
        """Do not run the call (no effect once it ran)."""
        ...


@runtime_checkable
class TcpListener(Protocol):
    """A listening TCP socket; `accept` hands out one `trio.abc.Stream` per connection."""

    @property
    def address(self) -> Address:
        """The bound address (the real port when 0 was asked for)."""
        ...

    async def accept(self) -> trio.abc.Stream:
        """Wait for the next connection."""
        ...

    async def aclose(self) -> None:
        """Stop listening (later connects are refused)."""
        ...


@runtime_checkable
class UdpSocket(Protocol):
    """A bound UDP socket: datagrams in and out, never a connection."""

    @property
    def address(self) -> Address:
        """The bound address."""
        ...

    async def send_to(self, data: bytes, address: Address) -> None:
        """Send one datagram (it may be lost; no error if nobody listens)."""
        ...

    async def receive_from(self) -> tuple[bytes, Address]:
        """Wait for the next datagram and its sender."""
        ...

    async def aclose(self) -> None:
        """Close the socket."""
        ...


@runtime_checkable
class NetStack(Protocol):
    """TCP and UDP by IP:port. Errors: `NetRefusedError`, `NetResetError`, `NetTimeoutError`."""

    async def connect_tcp(
        self, host: str, port: int, *, timeout: float = DEFAULT_CONNECT_TIMEOUT
    ) -> trio.abc.Stream:
        """Open a stream to host:port (`NetRefusedError` / `NetTimeoutError` if it cannot)."""
        ...

    async def listen_tcp(self, host: str, port: int) -> TcpListener:
        """Listen on host:port (port 0: any free port; see `TcpListener.address`)."""
        ...

    async def bind_udp(self, host: str, port: int) -> UdpSocket:
        """Bind a UDP socket on host:port (port 0: any free port)."""
        ...


@runtime_checkable
class Env(Protocol):
    """Everything a component may use for time, timers, randomness, network and observations."""

    name: str
    """Who lives here (a host or component instance name), for records and rng paths."""
    seed: int
    """The root seed every `rng` is derived from."""

    @property
    def net(self) -> NetStack:
        """The network stack of this host."""
        ...

    @property
    def clock(self) -> Clock:
        """Wall time as a `Clock` (epoch seconds; may be skewed in the simulator)."""
        ...

    def wall(self) -> float:
        """Epoch seconds, for timestamps people read; never for timers (it may jump)."""
        ...

    def monotonic(self) -> float:
        """Seconds that timers run on (virtual in the simulator)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep on the monotonic clock; in the simulator a pause delays the wake-up."""
        ...

    def call_at(self, when: float, fn: Callable[..., Any], *args: Any) -> Cancellable:
        """Run `fn(*args)` at monotonic time `when`; no task per timer."""
        ...

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any) -> Cancellable:
        """Run `fn(*args)` after `delay` seconds."""
        ...

    def rng(self, *names: str) -> random.Random:
        """A seeded generator for the name path (`rng("kubelet", node)`), same seed, same stream."""
        ...

    def record(self, kind: str, *details: Any) -> None:
        """Record an observation for graders (and, simulated, for the trace digest)."""
        ...


__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "Address",
    "Cancellable",
    "Env",
    "NetStack",
    "TcpListener",
    "UdpSocket",
]
