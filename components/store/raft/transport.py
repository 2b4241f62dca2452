"""How a `RaftClient` reaches the members: the `ClientTransport` protocol and a host transport.

A transport sends plain-data payloads to a member by name (never blocking; it may drop) and
yields ``(member, payload)`` for every reply or watch event. `HostTransport` runs over any
`kernel.hosting`-style endpoint (``send(dst, payload)``, ``await recv()`` returning an
envelope): in the simulator that is the client host's `Process`, so the same client code runs
in virtual time under faults. The TCP transport (one connection per member) is
`components.store.raft.tcp_transport.TcpClientTransport`.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from kernel.hosting import Envelope


@runtime_checkable
class ClientTransport(Protocol):
    """The client's view of the members (see the module docstring)."""

    members: list[str]
    """Member names, in order."""

    def send(self, member: str, payload: Any) -> None:
        """Send `payload` to `member`; never blocks; may drop."""
        ...

    async def recv(self) -> tuple[str, Any]:
        """The next ``(member, payload)`` a member sent to this client."""
        ...


class Endpoint(Protocol):
    """What `HostTransport` needs of a host: addressed datagrams."""

    def send(self, dst: str, payload: Any) -> None: ...

    async def recv(self) -> Envelope: ...


class HostTransport:
    """A `ClientTransport` over a host endpoint (a simulated client `Process`, for one)."""

    def __init__(self, endpoint: Endpoint, members: list[str]) -> None:
        if not members:
            raise ValueError("members must name at least one member")
        self.endpoint = endpoint
        self.members = list(members)
        self._members = frozenset(members)

    def send(self, member: str, payload: Any) -> None:
        """Send to `member` through the host."""
        self.endpoint.send(member, payload)

    async def recv(self) -> tuple[str, Any]:
        """The next message from a member (others are ignored)."""
        while True:
            env = await self.endpoint.recv()
            if env.src in self._members:
                return env.src, env.payload


__all__ = ["ClientTransport", "Endpoint", "HostTransport"]
