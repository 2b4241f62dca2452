"""The real host's bounds, in process: floods are pushed back, dead peers do not stall it."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from components.store.raft.local import free_ports
from components.store.raft.real.disk import DirectoryDisk
from components.store.raft.real.host import CONNECT_TIMEOUT, RECEIVE_BYTES, TcpHost
from components.store.raft.real.inbox import Inbox
from components.store.raft.real.wire import encode_frame
from components.store.raft.tcp_transport import open_tcp_client_transport

FLOOD = 20_000
"""Frames of 1 KiB: 20 MB, far more than loopback socket buffers hold."""


async def test_a_client_flood_waits_for_the_program_instead_of_queueing(tmp_path: Path) -> None:
    peer_port, client_port = free_ports(2)
    host = TcpHost(
        "n1", {"n1": ("127.0.0.1", peer_port)}, DirectoryDisk(tmp_path, fsync=False),
        seed=1, inbox_limit=100, log=lambda _line: None,
    )  # fmt: skip
    await host.open_listeners(("127.0.0.1", client_port))
    frames = [encode_frame({"n": i, "pad": b"p" * 1000}) for i in range(FLOOD)]
    bound = 100 + RECEIVE_BYTES // len(frames[0]) + 1  # the limit plus one chunk
    async with trio.open_nursery() as nursery:
        await nursery.start(host.serve)
        stream = await trio.open_tcp_stream("127.0.0.1", client_port)

        async def flood() -> None:
            for i in range(0, FLOOD, 100):
                await stream.send_all(b"".join(frames[i : i + 100]))

        nursery.start_soon(flood)
        with trio.fail_after(20):
            while host.queued < 100:
                await trio.sleep(0.01)
        peak = 0
        with trio.move_on_after(1):  # nobody receives: the queue must stay bounded
            while True:
                peak = max(peak, host.queued)
                await trio.sleep(0.005)
        got = []
        with trio.fail_after(60):
            while len(got) < FLOOD:
                got.append((await host.recv()).payload["n"])
        nursery.cancel_scope.cancel()
    assert peak <= bound, f"{peak} messages queued, bound {bound}"
    assert got == list(range(FLOOD))  # pushed back, never dropped or reordered


async def test_an_inbox_wakes_waiting_readers_once_it_has_room() -> None:
    inbox: Inbox[int] = Inbox(limit=2)
    inbox.put(1)
    inbox.put(2)
    woke = trio.Event()

    async def reader() -> None:
        await inbox.wait_for_room()
        woke.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reader)
        await trio.testing.wait_all_tasks_blocked()
        assert not woke.is_set()
        assert await inbox.get() == 1
        with trio.fail_after(5):
            await woke.wait()


def hang_connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Make every TCP connect hang like one to a host that drops packets; return the calls."""
    calls: list[tuple[str, int]] = []

    async def black_hole(host: str, port: int, **_kw: Any) -> trio.SocketStream:
        calls.append((host, port))
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    monkeypatch.setattr(trio, "open_tcp_stream", black_hole)
    return calls


async def test_a_peer_dial_that_hangs_is_given_up_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, autojump_clock: trio.testing.MockClock
) -> None:
    calls = hang_connects(monkeypatch)
    addresses = {"n1": ("127.0.0.1", 1), "n2": ("192.0.2.1", 2380)}
    host = TcpHost("n1", addresses, DirectoryDisk(tmp_path, fsync=False), seed=1)
    with trio.move_on_after(10 * CONNECT_TIMEOUT):
        await host._dial("n2")
    assert len(calls) >= 5, calls
    host.send("n2", {"still": "never blocks"})


async def test_a_client_connect_that_hangs_is_given_up_and_retried(
    monkeypatch: pytest.MonkeyPatch, autojump_clock: trio.testing.MockClock
) -> None:
    calls = hang_connects(monkeypatch)
    async with open_tcp_client_transport({"n1": ("192.0.2.1", 2379)}) as transport:
        transport.send("n1", {"op": "first"})
        await trio.sleep(2 * CONNECT_TIMEOUT)
        transport.send("n1", {"op": "second"})
        await trio.sleep(2 * CONNECT_TIMEOUT)
    assert len(calls) == 2, calls


async def test_closing_a_transport_while_it_connects_ends_promptly(
    monkeypatch: pytest.MonkeyPatch, autojump_clock: trio.testing.MockClock
) -> None:
    hang_connects(monkeypatch)
    with trio.fail_after(CONNECT_TIMEOUT / 2):
        async with open_tcp_client_transport({"n1": ("192.0.2.1", 2379)}) as transport:
            transport.send("n1", {"op": "first"})
            await trio.sleep(0)
            transport.send("n1", {"op": "queued while connecting"})


async def test_a_send_on_a_closed_transport_is_dropped_not_an_error(
    monkeypatch: pytest.MonkeyPatch, autojump_clock: trio.testing.MockClock
) -> None:
    """The transport's contract: `send` never blocks and may drop; a late sender (a watch
    being cancelled as its client closes) must not crash."""
    calls = hang_connects(monkeypatch)
    async with open_tcp_client_transport({"n1": ("192.0.2.1", 2379)}) as transport:
        pass
    transport.send("n1", {"op": "after close"})
    assert calls == []


async def test_replies_to_a_client_that_hung_up_are_dropped_silently(tmp_path: Path) -> None:
    peer_port, client_port = free_ports(2)
    host = TcpHost(
        "n1", {"n1": ("127.0.0.1", peer_port)}, DirectoryDisk(tmp_path, fsync=False), seed=1
    )
    await host.open_listeners(("127.0.0.1", client_port))
    async with trio.open_nursery() as nursery:
        await nursery.start(host.serve)
        stream = await trio.open_tcp_stream("127.0.0.1", client_port)
        await stream.send_all(encode_frame({"op": "hello"}))
        with trio.fail_after(10):
            src = (await host.recv()).src
        assert host.clients == [src]
        await stream.aclose()
        with trio.fail_after(10):
            while host.clients:
                await trio.sleep(0.01)
        for _ in range(1000):
            host.send(src, {"type": "watch_event", "events": [b"x" * 100]})  # never raises
        nursery.cancel_scope.cancel()
    assert host.clients == []


async def test_a_peer_that_drops_every_connection_is_redialled_with_backoff(
    tmp_path: Path,
) -> None:
    accepted = 0

    async def hang_up(stream: trio.SocketStream) -> None:  # e.g. it refuses our hello
        nonlocal accepted
        accepted += 1
        await stream.aclose()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, hang_up, 0, host="127.0.0.1"))
        port = listeners[0].socket.getsockname()[1]
        addresses = {"n1": ("127.0.0.1", 1), "n2": ("127.0.0.1", port)}
        host = TcpHost("n1", addresses, DirectoryDisk(tmp_path, fsync=False), seed=1)
        nursery.start_soon(host._dial, "n2")
        with trio.move_on_after(1.0):
            while True:  # a heartbeat every 2 ms: without backoff, a reconnect per message
                host.send("n2", {"type": "raft", "m": b"heartbeat"})
                await trio.sleep(0.002)
        nursery.cancel_scope.cancel()
    assert 2 <= accepted <= 20, accepted


async def test_a_client_whose_connection_ends_is_reported_gone(tmp_path: Path) -> None:
    """The member drops a gone client's watches on this message; without it they run forever."""
    peer_port, client_port = free_ports(2)
    host = TcpHost(
        "n1", {"n1": ("127.0.0.1", peer_port)}, DirectoryDisk(tmp_path, fsync=False),
        seed=1, log=lambda _line: None,
    )  # fmt: skip
    await host.open_listeners(("127.0.0.1", client_port))
    async with trio.open_nursery() as nursery:
        await nursery.start(host.serve)
        stream = await trio.open_tcp_stream("127.0.0.1", client_port)
        await stream.send_all(encode_frame({"type": "hello-from-a-client"}))
        with trio.fail_after(10):
            first = await host.recv()
        assert first.payload == {"type": "hello-from-a-client"}
        await stream.aclose()
        with trio.fail_after(10):
            gone = await host.recv()
        nursery.cancel_scope.cancel()
    assert (gone.src, gone.payload) == (first.src, {"type": "client_gone"})
    assert host.clients == []
