"""`TcpClientTransport`: the Raft client's `ClientTransport` over TCP, one connection per member.

Each member's client port gets one connection, opened on the first send and reopened (with
capped, jittered backoff) after it breaks; a connection attempt gives up after
`CONNECT_TIMEOUT`. Sends never block: payloads are framed at once and
queued, and the connection's writer sends everything queued as one write, so 32 concurrent
callers share system calls. Payloads queued for a member that cannot be reached are dropped
after a reconnect fails (the client's retry, with the same session sequence number, covers
them). Replies and watch events from every member arrive on one channel as
``(member, payload)``.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import trio

from components.store.raft.real.host import (
    BACKOFF_MAX,
    BACKOFF_MIN,
    RECEIVE_BYTES,
    Address,
    connect,
)
from components.store.raft.real.inbox import Inbox
from components.store.raft.real.tls import StoreTLS
from components.store.raft.real.wire import FrameReader, WireError, encode_frame


class _Connection:
    """One member's connection: the frames waiting to go, and whether a writer is running."""

    __slots__ = ("event", "queue", "running", "waiting")

    def __init__(self) -> None:
        self.queue: list[bytes] = []
        self.event = trio.Event()
        self.waiting = False
        self.running = False


class TcpClientTransport:
    """`ClientTransport` over TCP to members' client ports (needs a nursery for its tasks)."""

    def __init__(
        self,
        addresses: Mapping[str, Address],
        nursery: trio.Nursery,
        *,
        rng: random.Random | None = None,
        tls: StoreTLS | None = None,
    ) -> None:
        self.members: list[str] = list(addresses)
        self._tls = tls
        self._addresses = dict(addresses)
        self._nursery = nursery
        self._rng = rng or random.Random(0)
        self._replies: Inbox[tuple[str, Any]] = Inbox()
        self._connections = {m: _Connection() for m in self.members}
        self._delay = dict.fromkeys(self.members, 0.0)

    def send(self, member: str, payload: Any) -> None:
        """Queue `payload` for `member`: never blocks; dropped if unreachable or closed."""
        if self._nursery.cancel_scope.cancel_called:
            return
        conn = self._connections[member]
        conn.queue.append(encode_frame(payload))
        if conn.waiting:
            conn.waiting = False
            conn.event.set()
        elif not conn.running:
            conn.running = True
            self._nursery.start_soon(self._run, member, conn)

    async def recv(self) -> tuple[str, Any]:
        """The next reply or event: (member, payload)."""
        return await self._replies.get()

    async def _run(self, member: str, conn: _Connection) -> None:
        """Connect, then write queued frames and read replies until the connection breaks."""
        try:
            delay = self._delay[member]
            if delay:
                await trio.sleep(delay * (0.5 + self._rng.random()))
            host, port = self._addresses[member]
            stream = await connect(host, port, self._tls)
            if stream is None:
                conn.queue.clear()  # unreachable: drop, the client retries elsewhere
                self._delay[member] = min(max(delay * 2, BACKOFF_MIN), BACKOFF_MAX)
                return
            self._delay[member] = 0.0
            async with stream, trio.open_nursery() as nursery:
                nursery.start_soon(self._read, member, stream, nursery.cancel_scope)
                try:
                    while True:
                        while not conn.queue:
                            conn.event = trio.Event()
                            conn.waiting = True
                            await conn.event.wait()
                        queue, conn.queue = conn.queue, []
                        await stream.send_all(queue[0] if len(queue) == 1 else b"".join(queue))
                except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
                nursery.cancel_scope.cancel()
        finally:
            conn.waiting = False
            conn.running = False
            closing = self._nursery.cancel_scope.cancel_called
            if conn.queue and not closing:  # sent while we were going down: start again
                conn.running = True
                self._nursery.start_soon(self._run, member, conn)

    async def _read(self, member: str, stream: trio.abc.Stream, scope: trio.CancelScope) -> None:
        reader = FrameReader()
        replies = self._replies
        deliver = replies.put
        try:
            while True:
                await replies.wait_for_room()
                chunk = await stream.receive_some(RECEIVE_BYTES)
                if not chunk:
                    break
                for payload in reader.feed(chunk):
                    deliver((member, payload))
        except (OSError, WireError, trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        scope.cancel()


@asynccontextmanager
async def open_tcp_client_transport(
    addresses: Mapping[str, Address], *, seed: int = 0, tls: StoreTLS | None = None
) -> AsyncIterator[TcpClientTransport]:
    """A transport whose connections live for the block (closed when it ends).

    With `tls` every connection is TLS, presenting its client certificate (the members
    accept no client without one).
    """
    async with trio.open_nursery() as nursery:
        transport = TcpClientTransport(addresses, nursery, rng=random.Random(seed), tls=tls)
        try:
            yield transport
        finally:
            nursery.cancel_scope.cancel()


__all__ = ["TcpClientTransport", "open_tcp_client_transport"]
