"""`TcpHost`: the `kernel.hosting.NodeHost` contract over TCP and a real directory.

Peers: each member listens on its ``--peers`` address; to send to a peer, a host dials it,
introduces itself with a hello frame and only writes on that connection (so every pair has
one connection each way). Clients connect to the client port; each connection gets its own
address (``client:<n>``), which is how a member tells a client from a peer.

Sends never block and may drop, like the simulator's datagrams: a payload is encoded at once
(an unsupported type fails in the caller), queued on its link, and the link's writer task
sends everything queued so far as one write (many frames per system call). A link that
cannot connect retries with capped, jittered backoff; its queue keeps only the newest
``LINK_QUEUE`` frames (and 64 MiB), so a dead or stopped peer costs bounded memory and never
blocks the member. A connection that sends malformed bytes is logged and dropped. Readers
stop reading while the member's inbox is full (`Inbox.wait_for_room`), so a flood of
requests or messages is pushed back by TCP instead of queued without bound.
"""

from __future__ import annotations

import random
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs
import trio

from components.store.raft.real.disk import DirectoryDisk
from components.store.raft.real.inbox import INBOX_LIMIT, Inbox
from components.store.raft.real.tls import StoreTLS, accept_tls, dial_tls, peer_name
from components.store.raft.real.wire import FrameReader, WireError, encode_frame
from kernel.clock import Clock, WallClock

LINK_QUEUE = 65536
"""Frames a link holds while it cannot send; older ones are dropped beyond this."""
LINK_QUEUE_BYTES = 64 * 1024 * 1024
"""Bytes a link holds while it cannot send; older frames are dropped beyond this."""
RECEIVE_BYTES = 64 * 1024
"""Bytes asked of the socket per read. Not more: CPython allocates the whole size for every
`recv`, and at 256 KiB that allocation is an mmap/munmap pair (32 us per small read here
against 5.8 us at 64 KiB), paid on every message of every process."""
BACKOFF_MIN = 0.01
BACKOFF_MAX = 0.5
"""Reconnect delays (seconds; doubled per failure, with jitter from the host's rng)."""
STABLE_CONNECTION = 1.0
"""Seconds a peer connection must last for the next reconnect to skip the backoff."""
CONNECT_TIMEOUT = 2.0
"""Seconds a connection attempt may take. Without it a dial to a host that drops packets
(down, or behind a firewall) waits for the kernel's SYN retries, about two minutes, and the
link stays dead that long after the peer is back."""

Address = tuple[str, int]
Log = Callable[[str], None]


def stderr_log(line: str) -> None:
    """Default log: one line on stderr, flushed (the launcher keeps it in a log file)."""
    print(line, file=sys.stderr, flush=True)


class ListenError(OSError):
    """A port the host cannot listen on: which one (``peers`` or ``clients``), where, why."""

    def __init__(self, which: str, address: Address, cause: OSError) -> None:
        self.which = which
        self.address = address
        self.reason = cause.strerror or str(cause)
        super().__init__(cause.errno, f"cannot listen on {address[0]}:{address[1]}: {self.reason}")


async def connect(host: str, port: int, tls: StoreTLS | None = None) -> trio.abc.Stream | None:
    """A TCP (with `tls`: TLS) stream to host:port; None if it fails or takes too long."""
    stream: trio.abc.Stream | None = None
    with trio.move_on_after(CONNECT_TIMEOUT):
        try:
            stream = await trio.open_tcp_stream(host, port)
        except OSError:
            return None
    if stream is None or tls is None:
        return stream
    return await dial_tls(stream, tls, host)


CLIENT_GONE = {"type": "client_gone"}
"""What the program receives from a client's address once that client's connection has ended
(the member then drops the client's watches)."""


@attrs.frozen(slots=True)
class Delivery:
    """One received message (implements `kernel.hosting.Envelope`)."""

    src: str
    dst: str
    payload: Any


class _Link:
    """Frames waiting for one connection's writer, and the writer's wake-up.

    Holds at most `LINK_QUEUE_BYTES` (and `LINK_QUEUE` frames): beyond either, the oldest
    frames are dropped, as a datagram network would, so a stopped peer or a client that does
    not read costs bounded memory.
    """

    __slots__ = ("_event", "_waiting", "bytes", "closed", "dropped", "queue")

    def __init__(self) -> None:
        self.queue: deque[bytes] = deque()
        self.bytes = 0
        self.dropped = 0
        self._event = trio.Event()
        self._waiting = False
        self.closed = False

    def push(self, frame: bytes) -> None:
        queue = self.queue
        queue.append(frame)
        self.bytes += len(frame)
        while len(queue) > 1 and (self.bytes > LINK_QUEUE_BYTES or len(queue) > LINK_QUEUE):
            self.bytes -= len(queue.popleft())
            self.dropped += 1
        if self._waiting:
            self._waiting = False
            self._event.set()

    async def take(self) -> bytes:
        """Wait for at least one frame; return everything queued, as one buffer."""
        while not self.queue:
            self._event = trio.Event()
            self._waiting = True
            await self._event.wait()
        queue = self.queue
        data = queue[0] if len(queue) == 1 else b"".join(queue)
        queue.clear()
        self.bytes = 0
        return data


class TcpHost:
    """A member's host: TCP to its peers and clients, a directory disk, wall clock, seeded rng."""

    def __init__(
        self,
        name: str,
        addresses: dict[str, Address],
        disk: DirectoryDisk,
        *,
        seed: int,
        clock: Clock | None = None,
        log: Log = stderr_log,
        inbox_limit: int = INBOX_LIMIT,
        tls: StoreTLS | None = None,
    ) -> None:
        if name not in addresses:
            raise ValueError(f"{name!r} is not one of the members {sorted(addresses)}")
        self.name = name
        self.rng = random.Random(seed)
        self.seed = seed
        self._jitter = random.Random(seed ^ 0x5EED)
        """The host's own randomness (reconnect jitter): `rng` is the program's alone, so its
        draws do not depend on when connections fail."""
        self._addresses = dict(addresses)
        self._tls = tls
        """Mutual TLS with the cluster CA on every connection (None: plain TCP, tests only)."""
        self._peers = sorted(n for n in addresses if n != name)
        self._peer_set = frozenset(self._peers)
        self._disk = disk
        self._clock: Clock = clock or WallClock()
        self._log = log
        self._inbox: Inbox[Delivery] = Inbox(inbox_limit)
        self._links: dict[str, _Link] = {p: _Link() for p in self._peers}
        self._hello = encode_frame({"hello": name})
        self._next_client = 0
        self._peer_listeners: list[trio.SocketListener] = []
        self._client_listeners: list[trio.SocketListener] = []
        self.dropped_connections = 0
        """Connections closed because they sent malformed bytes (for tests and logs)."""
        self.receiving = trio.Event()
        """Set when the program first waits for a message: it has loaded its state and serves."""

    @property
    def queued(self) -> int:
        """Messages received and not yet taken by the program (bounded: see `Inbox`)."""
        return len(self._inbox)

    @property
    def clients(self) -> list[str]:
        """Addresses of the clients connected now (``client:<n>``)."""
        return [a for a in self._links if a not in self._peer_set]

    @property
    def address(self) -> Address:
        """The member's own peer address (where the other members dial it)."""
        return self._addresses[self.name]

    # -- NodeHost -----------------------------------------------------------------------------
    @property
    def peers(self) -> list[str]:
        return list(self._peers)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def disk(self) -> DirectoryDisk:
        return self._disk

    def now(self) -> float:
        return trio.current_time()

    def send(self, dst: str, payload: Any) -> None:
        link = self._links.get(dst)
        frame = encode_frame(payload)
        if link is not None and not link.closed:
            link.push(frame)

    async def recv(self) -> Delivery:
        if not self.receiving.is_set():
            self.receiving.set()
        return await self._inbox.get()

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    # -- serving ------------------------------------------------------------------------------
    async def open_listeners(self, client_address: Address) -> list[trio.SocketListener]:
        """Bind the peer port and the client port (ListenError naming the one that failed)."""
        peer_host, peer_port = self._addresses[self.name]
        try:
            peer = await trio.open_tcp_listeners(peer_port, host=peer_host)
        except OSError as err:
            raise ListenError("peers", (peer_host, peer_port), err) from err
        try:
            client = await trio.open_tcp_listeners(client_address[1], host=client_address[0])
        except OSError as err:
            for listener in peer:
                await listener.aclose()
            raise ListenError("clients", client_address, err) from err
        self._peer_listeners, self._client_listeners = peer, client
        return [*peer, *client]

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Accept peers and clients and keep the peer links connected (until cancelled)."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(trio.serve_listeners, self._on_peer, self._peer_listeners)
            nursery.start_soon(trio.serve_listeners, self._on_client, self._client_listeners)
            for peer in self._peers:
                nursery.start_soon(self._dial, peer)
            task_status.started()

    async def _dial(self, peer: str) -> None:
        """Keep a connection to `peer` and write its link's frames; reconnect with backoff."""
        host, port = self._addresses[peer]
        link = self._links[peer]
        delay = BACKOFF_MIN
        while True:
            stream = await connect(host, port, self._tls)
            if stream is not None:
                opened = trio.current_time()
                try:
                    await stream.send_all(self._hello)
                    while True:
                        await stream.send_all(await link.take())
                except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
                finally:
                    with trio.CancelScope(shield=True):
                        await stream.aclose()
                if trio.current_time() - opened >= STABLE_CONNECTION:
                    delay = BACKOFF_MIN  # it worked for a while: reconnect at once
                    continue
            # Refused, or dropped at once (e.g. the peer does not know our name): back off,
            # or a misconfigured pair would reconnect (and log) on every message.
            await trio.sleep(delay * (0.5 + self._jitter.random()))
            delay = min(delay * 2, BACKOFF_MAX)

    async def _secure(self, stream: trio.abc.Stream) -> trio.abc.Stream | None:
        """`stream` after the TLS handshake (None: refused), or as is without TLS."""
        if self._tls is None:
            return stream
        secured = await accept_tls(stream, self._tls)
        if secured is None:
            self.dropped_connections += 1
            self._log(
                f"kubelab store: {self.name}: refused a connection without a valid certificate"
            )
        return secured

    async def _on_peer(self, raw: trio.SocketStream) -> None:
        """An inbound peer connection: a hello naming the peer, then its messages."""
        stream = await self._secure(raw)
        if stream is None:
            return
        reader = FrameReader()
        src: str | None = None
        deliver = self._inbox.put
        me = self.name
        inbox = self._inbox
        try:
            while True:
                await inbox.wait_for_room()
                chunk = await stream.receive_some(RECEIVE_BYTES)
                if not chunk:
                    return
                for payload in reader.feed(chunk):
                    if src is None:
                        src = self._check_hello(payload, stream)
                        continue
                    deliver(Delivery(src, me, payload))
        except WireError as err:
            self.dropped_connections += 1
            self._log(f"kubelab store: {me}: dropped a peer connection ({src or '?'}): {err}")
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
            return

    def _check_hello(self, payload: Any, stream: trio.abc.Stream) -> str:
        name = payload.get("hello") if isinstance(payload, dict) else None
        if not isinstance(name, str) or name not in self._peer_set:
            raise WireError(f"expected a hello from a peer, got {payload!r:.80}")
        if self._tls is not None and peer_name(stream) != name:
            raise WireError(f"the hello names {name} but the certificate {peer_name(stream)!r}")
        return name

    async def _on_client(self, raw: trio.SocketStream) -> None:
        """A client connection: its own address, requests in, replies and events out."""
        stream = await self._secure(raw)
        if stream is None:
            return
        self._next_client += 1
        address = f"client:{self._next_client}"
        link = _Link()
        self._links[address] = link
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._write_client, stream, link, nursery.cancel_scope)
                await self._read_client(stream, address)
                nursery.cancel_scope.cancel()
        finally:
            link.closed = True
            del self._links[address]
            # Tell the program, so it stops work for this client (its watches).
            self._inbox.put(Delivery(address, self.name, dict(CLIENT_GONE)))
            with trio.CancelScope(shield=True):
                await stream.aclose()

    async def _read_client(self, stream: trio.abc.Stream, address: str) -> None:
        reader = FrameReader()
        inbox = self._inbox
        deliver = inbox.put
        me = self.name
        try:
            while True:
                await inbox.wait_for_room()
                chunk = await stream.receive_some(RECEIVE_BYTES)
                if not chunk:
                    return
                for payload in reader.feed(chunk):
                    deliver(Delivery(address, me, payload))
        except WireError as err:
            self.dropped_connections += 1
            self._log(f"kubelab store: {me}: dropped client {address}: {err}")
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
            return

    @staticmethod
    async def _write_client(stream: trio.abc.Stream, link: _Link, scope: trio.CancelScope) -> None:
        try:
            while True:
                await stream.send_all(await link.take())
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
            scope.cancel()


__all__ = [
    "CONNECT_TIMEOUT",
    "LINK_QUEUE",
    "LINK_QUEUE_BYTES",
    "Address",
    "Delivery",
    "ListenError",
    "TcpHost",
    "connect",
    "stderr_log",
]
