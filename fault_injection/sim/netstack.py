"""TCP and UDP by IP:port over the simulated network: the simulator's `kernel.env.NetStack`.

Every segment is a datagram on `World.net`, so partitions, latency, loss, duplication and
pauses apply to component traffic too. Semantics (docs/interfaces/env.md):

* connect: a SYN is (re)sent every `SYN_RETRY` s; a listener answers SYN-ACK, a host with
  nothing on the port answers RST (`NetRefusedError`); no answer within the timeout (a
  partition, a paused or down host) is `NetTimeoutError`.
* data: segments carry sequence numbers, are acknowledged cumulatively and retransmitted every
  `RTO` s; loss only delays. If no acknowledgement progresses for `RESET_AFTER` s (a partition
  that lasts), the connection resets: both ends' reads and writes raise `NetResetError`.
* keepalive: a connection idle for `KEEPALIVE` s probes its peer every `KEEPALIVE_INTERVAL`
  s until it hears from it; a peer that no longer
  knows the connection answers RST, and one that stays silent for `KEEPALIVE` + `RESET_AFTER`
  s resets it (an idle stream across a lasting partition, or to a vanished host, ends).
* a crashed host sends RST for each of its connections (as a killed process's kernel does);
  a rebooted host answers RST to segments of connections it no longer knows.
* UDP: one datagram per `send_to`, lost or delivered as the link decides.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import trio

from kernel.env import (
    DEFAULT_CONNECT_TIMEOUT,
    Address,
    NetRefusedError,
    NetResetError,
    NetTimeoutError,
)

if TYPE_CHECKING:
    from fault_injection.sim.network import Message
    from fault_injection.sim.process import Process
    from fault_injection.sim.world import World

SYN_RETRY = 1.0
RTO = 0.2
RESET_AFTER = 15.0
KEEPALIVE = 15.0
"""Seconds of silence after which an open connection sends a keepalive probe (Go's default
dialer keepalive, which Kubernetes clients use); a connection that hears nothing from its peer
for `KEEPALIVE` + `RESET_AFTER` resets, so an idle watch across a lasting partition ends."""
KEEPALIVE_INTERVAL = 1.0
"""Seconds between keepalive probes once a connection is idle, until one is answered."""
SEGMENT = 65536


class Packet(NamedTuple):
    """One segment or datagram on the simulated wire."""

    proto: str
    """"tcp" or "udp"."""
    src: Address
    dst: Address
    kind: str
    """tcp: syn, synack, rst, data, ack, fin, probe (keepalive); udp: data."""
    conn: int
    """Connection id (the connecting side's), 0 for udp."""
    seq: int
    data: bytes


class SimNet:
    """The world's address book (IP -> host) and every host's sockets."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.ips: dict[str, str] = {}
        self.stacks: dict[str, SimNetStack] = {}
        self._next_conn = 0

    def assign(self, host: str, ip: str) -> None:
        """Give `host` the address `ip`."""
        owner = self.ips.get(ip)
        if owner is not None and owner != host:
            raise ValueError(f"address {ip} already belongs to host {owner!r}")
        self.ips[ip] = host

    def new_conn_id(self) -> int:
        self._next_conn += 1
        return self._next_conn

    def stack(self, proc: Process) -> SimNetStack:
        """The stack of `proc` (a fresh one per incarnation)."""
        stack = self.stacks.get(proc.name)
        if stack is None or stack.proc is not proc:
            stack = SimNetStack(self, proc)
            self.stacks[proc.name] = stack
        return stack

    def send(self, src_host: str, packet: Packet) -> None:
        dst_host = self.ips.get(packet.dst[0])
        if dst_host is None:
            return  # no such address: silence, like an unrouted IP
        self.world.net.send(src_host, dst_host, packet, self.world.dispatcher.now())

    def deliver(self, proc: Process, msg: Message) -> None:
        """A packet reached running process `proc` (called by `Process`)."""
        self.stack(proc).receive(msg.payload)

    def crashed(self, host: str) -> None:
        """`host` died: reset its connections' peers."""
        stack = self.stacks.pop(host, None)
        if stack is not None:
            stack.die()


def sim_net(world: World) -> SimNet:
    """The world's `SimNet` (made on first use)."""
    net = getattr(world, "_sim_net", None)
    if net is None:
        net = SimNet(world)
        world._sim_net = net  # type: ignore[attr-defined]
    return net


class _Conn:
    """One end of a simulated TCP connection."""

    def __init__(self, stack: SimNetStack, local: Address, remote: Address, conn: int) -> None:
        self.stack = stack
        self.local = local
        self.remote = remote
        self.conn = conn
        self.established = trio.Event()
        self.refused = False
        self.reset = False
        self.closed_local = False
        self.eof = False
        self.next_seq = 0
        self.unacked: dict[int, bytes] = {}
        self.acked = 0
        self.expected = 0
        self.out_of_order: dict[int, bytes] = {}
        self.inbox = bytearray()
        self.readable = trio.Event()
        self.fin_seq: int | None = None
        self.last_progress = stack.proc.now()
        self.last_heard = self.last_progress
        self.timer: Any = None
        self.keepalive_timer: Any = None

    def send_packet(self, kind: str, seq: int = 0, data: bytes = b"") -> None:
        self.stack.net.send(
            self.stack.proc.name, Packet("tcp", self.local, self.remote, kind, self.conn, seq, data)
        )

    def wake(self) -> None:
        self.readable.set()
        self.readable = trio.Event()

    def do_reset(self) -> None:
        if not self.reset:
            self.reset = True
            self.established.set()
            self.wake()
            self.stack.conns.pop((self.local, self.remote, self.conn), None)

    def transmit(self, seq: int, data: bytes, kind: str = "data") -> None:
        self.unacked[seq] = data if kind == "data" else b"\x00fin"
        self.send_packet(kind, seq, data)
        self.arm()

    def start_keepalive(self, delay: float = KEEPALIVE) -> None:
        """Check on the peer after `delay` (see `KEEPALIVE`)."""
        if self.keepalive_timer is None:
            self.keepalive_timer = self.stack.proc.call_later(delay, self.keepalive)

    def keepalive(self) -> None:
        self.keepalive_timer = None
        if self.reset or self.closed_local:
            return
        silent = self.stack.proc.now() - self.last_heard
        if silent >= KEEPALIVE + RESET_AFTER:
            self.send_packet("rst")
            self.do_reset()
        elif silent >= KEEPALIVE:  # idle: probe, and again every interval until answered
            self.send_packet("probe", self.expected)
            self.start_keepalive(KEEPALIVE_INTERVAL)
        else:  # heard lately: look again when it will have been idle for KEEPALIVE
            self.start_keepalive(max(KEEPALIVE - silent, KEEPALIVE_INTERVAL))

    def arm(self) -> None:
        if self.timer is None and self.unacked:
            self.timer = self.stack.proc.call_later(RTO, self.retransmit)

    def retransmit(self) -> None:
        self.timer = None
        if self.reset or not self.unacked:
            return
        if self.stack.proc.now() - self.last_progress >= RESET_AFTER:
            self.send_packet("rst")
            self.do_reset()
            return
        for seq in sorted(self.unacked):
            data = self.unacked[seq]
            kind = "fin" if data == b"\x00fin" else "data"
            self.send_packet(kind, seq, b"" if kind == "fin" else data)
        self.arm()

    def on_packet(self, p: Packet) -> None:
        self.last_heard = self.stack.proc.now()
        if p.kind == "probe":
            self.send_packet("ack", self.expected)
        elif p.kind == "syn":
            self.send_packet("synack")  # our SYN-ACK was lost: the peer retried
        elif p.kind == "rst":
            self.refused = not self.established.is_set()
            self.do_reset()
        elif p.kind == "synack":
            self.last_progress = self.stack.proc.now()
            self.established.set()
            self.start_keepalive()
        elif p.kind == "ack":
            if p.seq > self.acked:
                self.acked = p.seq
                self.last_progress = self.stack.proc.now()
                for seq in [s for s in self.unacked if s < p.seq]:
                    del self.unacked[seq]
                self.wake()
        elif p.kind in ("data", "fin"):
            if p.seq >= self.expected:
                self.out_of_order[p.seq] = b"\x00fin" if p.kind == "fin" else p.data
            while self.expected in self.out_of_order:
                data = self.out_of_order.pop(self.expected)
                self.expected += 1
                if data == b"\x00fin":
                    self.eof = True
                else:
                    self.inbox += data
            self.send_packet("ack", self.expected)
            self.wake()


class SimStream(trio.abc.Stream):
    """A `trio.abc.Stream` over a simulated TCP connection."""

    def __init__(self, conn: _Conn) -> None:
        self._conn = conn

    @property
    def local(self) -> Address:
        return self._conn.local

    @property
    def remote(self) -> Address:
        return self._conn.remote

    def is_readable(self) -> bool:
        """Whether `receive_some` would return at once (data, end of stream or a reset)."""
        conn = self._conn
        return bool(conn.inbox) or conn.eof or conn.reset

    def _check(self) -> None:
        if self._conn.reset:
            raise NetResetError(f"connection {self.local} -> {self.remote} reset")
        if self._conn.closed_local:
            raise trio.ClosedResourceError("stream closed")

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        self._check()
        await self._conn.stack.proc.wait_running()
        conn = self._conn
        view = bytes(data)
        for i in range(0, len(view), SEGMENT):
            seq = conn.next_seq
            conn.next_seq += 1
            conn.transmit(seq, view[i : i + SEGMENT])
        while conn.unacked and not conn.reset:  # wait for the window to drain (flow control)
            await conn.readable.wait()
        self._check()

    async def wait_send_all_might_not_block(self) -> None:
        self._check()
        await trio.lowlevel.checkpoint()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        conn = self._conn
        while True:
            if conn.closed_local:
                raise trio.ClosedResourceError("stream closed")
            if conn.inbox:
                n = len(conn.inbox) if max_bytes is None else max_bytes
                out = bytes(conn.inbox[:n])
                del conn.inbox[:n]
                await conn.stack.proc.wait_running()
                return out
            if conn.reset:
                raise NetResetError(f"connection {self.local} -> {self.remote} reset")
            if conn.eof:
                await trio.lowlevel.checkpoint()
                return b""
            await conn.readable.wait()

    async def aclose(self) -> None:
        conn = self._conn
        if not conn.closed_local and not conn.reset:
            seq = conn.next_seq
            conn.next_seq += 1
            conn.transmit(seq, b"", "fin")
        conn.closed_local = True
        conn.wake()
        await trio.lowlevel.checkpoint()


class SimListener:
    """A listening port on a simulated host."""

    def __init__(self, stack: SimNetStack, address: Address) -> None:
        self._stack = stack
        self._address = address
        self._send, self._receive = trio.open_memory_channel[SimStream](math.inf)

    @property
    def address(self) -> Address:
        return self._address

    def offer(self, stream: SimStream) -> None:
        self._send.send_nowait(stream)

    async def accept(self) -> trio.abc.Stream:
        try:
            stream = await self._receive.receive()
        except trio.EndOfChannel:
            raise trio.ClosedResourceError("listener closed") from None
        await self._stack.proc.wait_running()
        return stream

    async def aclose(self) -> None:
        self._stack.listeners.pop(self._address[1], None)
        self._send.close()
        await trio.lowlevel.checkpoint()


class SimUdpSocket:
    """A bound UDP port on a simulated host."""

    def __init__(self, stack: SimNetStack, address: Address) -> None:
        self._stack = stack
        self._address = address
        self._send, self._receive = trio.open_memory_channel[tuple[bytes, Address]](math.inf)

    @property
    def address(self) -> Address:
        return self._address

    def offer(self, data: bytes, src: Address) -> None:
        self._send.send_nowait((data, src))

    async def send_to(self, data: bytes, address: Address) -> None:
        await self._stack.proc.wait_running()
        self._stack.net.send(
            self._stack.proc.name, Packet("udp", self._address, address, "data", 0, 0, bytes(data))
        )
        await trio.lowlevel.checkpoint()

    async def receive_from(self) -> tuple[bytes, Address]:
        item = await self._receive.receive()
        await self._stack.proc.wait_running()
        return item

    async def aclose(self) -> None:
        self._stack.udp.pop(self._address[1], None)
        self._send.close()
        await trio.lowlevel.checkpoint()


class SimNetStack:
    """One process's sockets; implements `kernel.env.NetStack` over the simulated network."""

    def __init__(self, net: SimNet, proc: Process) -> None:
        self.net = net
        self.proc = proc
        self.listeners: dict[int, SimListener] = {}
        self.udp: dict[int, SimUdpSocket] = {}
        self.conns: dict[tuple[Address, Address, int], _Conn] = {}
        self._next_port = 49152

    def _ip(self, host: str) -> str:
        if self.net.ips.get(host) != self.proc.name:
            raise OSError(f"cannot bind {host}: not an address of host {self.proc.name!r}")
        return host

    def _ephemeral(self) -> int:
        self._next_port += 1
        return self._next_port

    def _my_ip(self) -> str:
        for ip, host in self.net.ips.items():
            if host == self.proc.name:
                return ip
        raise OSError(f"host {self.proc.name!r} has no address")

    async def connect_tcp(
        self, host: str, port: int, *, timeout: float = DEFAULT_CONNECT_TIMEOUT
    ) -> trio.abc.Stream:
        await self.proc.wait_running()
        local = (self._my_ip(), self._ephemeral())
        conn = _Conn(self, local, (host, port), self.net.new_conn_id())
        self.conns[(local, (host, port), conn.conn)] = conn
        with trio.move_on_after(timeout):
            while not conn.established.is_set():
                conn.send_packet("syn")
                with trio.move_on_after(SYN_RETRY):
                    await conn.established.wait()
        if conn.refused:
            raise NetRefusedError(f"connection to {host}:{port} refused")
        if not conn.established.is_set() or conn.reset:
            self.conns.pop((local, (host, port), conn.conn), None)
            raise NetTimeoutError(f"connect to {host}:{port} timed out after {timeout}s")
        await self.proc.wait_running()
        return SimStream(conn)

    async def listen_tcp(self, host: str, port: int) -> SimListener:
        ip = self._ip(host)
        port = port or self._ephemeral()
        if port in self.listeners:
            raise OSError(f"address {ip}:{port} already in use")
        listener = SimListener(self, (ip, port))
        self.listeners[port] = listener
        await trio.lowlevel.checkpoint()
        return listener

    async def bind_udp(self, host: str, port: int) -> SimUdpSocket:
        ip = self._ip(host)
        port = port or self._ephemeral()
        if port in self.udp:
            raise OSError(f"address {ip}:{port} already in use")
        sock = SimUdpSocket(self, (ip, port))
        self.udp[port] = sock
        await trio.lowlevel.checkpoint()
        return sock

    # -- packets in ------------------------------------------------------------------------
    def receive(self, p: Packet) -> None:
        if p.proto == "udp":
            sock = self.udp.get(p.dst[1])
            if sock is not None:
                sock.offer(p.data, p.src)
            return
        key = (p.dst, p.src, p.conn)
        conn = self.conns.get(key)
        if conn is not None:
            conn.on_packet(p)
            return
        if p.kind == "syn":
            listener = self.listeners.get(p.dst[1])
            if listener is None:
                self._rst(p)
                return
            conn = _Conn(self, p.dst, p.src, p.conn)
            conn.established.set()
            conn.start_keepalive()
            self.conns[key] = conn
            conn.send_packet("synack")
            listener.offer(SimStream(conn))
        elif p.kind != "rst":
            self._rst(p)

    def _rst(self, p: Packet) -> None:
        self.net.send(self.proc.name, Packet("tcp", p.dst, p.src, "rst", p.conn, 0, b""))

    def die(self) -> None:
        """The process crashed: tell every peer, and break local ends."""
        for conn in list(self.conns.values()):
            conn.send_packet("rst")
            conn.do_reset()
        self.listeners.clear()  # the process's tasks are cancelled by the crash itself
        self.udp.clear()
