"""The real host (TCP peers and clients, a directory disk) under a tiny echo program."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from components.store.raft.local import LocalRaft, free_ports, open_local_raft_cluster
from components.store.raft.tcp_transport import TcpClientTransport, open_tcp_client_transport
from tests.raft_real.conftest import ROOT

PROGRAM = "tests.raft_real.echo_program:main"


@asynccontextmanager
async def echo_cluster() -> AsyncIterator[tuple[LocalRaft, TcpClientTransport]]:
    async with (
        open_local_raft_cluster(
            3, fsync=False, program=PROGRAM, seed=7, env={"PYTHONPATH": ROOT}
        ) as cluster,
        open_tcp_client_transport(cluster.client_addresses, tls=cluster.client_tls()) as transport,
    ):
        yield cluster, transport


async def ask(transport: TcpClientTransport, member: str, body: Any, timeout: float = 5) -> Any:
    """Send `body` to `member` until a reply comes (the first send may race a reconnect)."""
    with trio.fail_after(timeout):
        while True:
            transport.send(member, body)
            with trio.move_on_after(0.5):
                src, reply = await transport.recv()
                assert src == member
                return reply


async def test_client_payloads_round_trip_with_their_types() -> None:
    body = {"op": "echo", "t": (1, 2), "l": [b"\x00", None, True, 2.5, 2**80], "s": "é"}
    async with (
        open_local_raft_cluster(
            1, fsync=False, program=PROGRAM, env={"PYTHONPATH": ROOT}
        ) as cluster,
        open_tcp_client_transport(cluster.client_addresses, tls=cluster.client_tls()) as transport,
    ):
        reply = await ask(transport, "n1", body)
    assert reply == {"echo": body}
    assert isinstance(reply["echo"]["t"], tuple)


async def test_peers_reach_each_other_and_see_sorted_membership() -> None:
    async with echo_cluster() as (cluster, transport):
        assert await ask(transport, "n1", {"op": "relay", "to": "n3"}) == {"pong_from": "n3"}
        info = await ask(transport, "n2", {"op": "peers"})
        log = cluster.member("n2").log_path.read_text()
    assert info["name"] == "n2"
    assert info["peers"] == ["n1", "n3"]
    # the seed is recorded, so a run can be replayed
    assert f"seed {(7 << 24) | (1 << 16) | 1}" in log


async def test_a_dead_peer_does_not_block_and_is_reconnected_after_restart() -> None:
    async with echo_cluster() as (cluster, transport):
        await cluster.kill("n3")
        transport.send("n1", {"op": "relay", "to": "n3"})  # goes nowhere
        for _ in range(50):
            transport.send("n1", {"op": "relay", "to": "n3"})
        with trio.fail_after(10):  # a member blocked on the dead peer would never answer
            assert (await ask(transport, "n1", {"op": "echo"}))["echo"] == {"op": "echo"}
        await cluster.start("n3")
        with trio.fail_after(10):
            while True:
                transport.send("n1", {"op": "relay", "to": "n3"})
                with trio.move_on_after(0.3):
                    _, reply = await transport.recv()
                    if reply == {"pong_from": "n3"}:
                        break


async def test_acknowledged_fsynced_appends_survive_sigkill() -> None:
    async with (
        open_local_raft_cluster(
            1, fsync=True, program=PROGRAM, env={"PYTHONPATH": ROOT}
        ) as cluster,
        open_tcp_client_transport(cluster.client_addresses, tls=cluster.client_tls()) as transport,
    ):
        counts = [(await ask(transport, "n1", {"op": "incr"}))["count"] for _ in range(20)]
        await cluster.restart("n1")
        after = await ask(transport, "n1", {"op": "incr"})
    assert counts == list(range(1, 21))
    assert after["count"] == 21


GARBAGE = {
    "bad-value": b"\x05\x00\x00\x00\xc1zzzz",  # 0xc1 is never used by MessagePack
    "huge-length": b"\xff\xff\xff\xff",
    "extra-bytes": b"\x02\x00\x00\x00\x01\x02",
}


async def test_malformed_bytes_drop_the_connection_not_the_process() -> None:
    async with (
        open_local_raft_cluster(
            1, fsync=False, program=PROGRAM, env={"PYTHONPATH": ROOT}
        ) as cluster,
        open_tcp_client_transport(cluster.client_addresses, tls=cluster.client_tls()) as transport,
    ):
        member = cluster.member("n1")
        client_tls = cluster.client_tls()
        assert client_tls is not None
        context = client_tls.client
        for garbage in GARBAGE.values():
            for where in (member.client_address, ("127.0.0.1", member.peer_port)):
                with (
                    socket.create_connection(where, timeout=5) as raw,
                    context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
                ):  # an authenticated client sending nonsense: framing errors drop it
                    sock.sendall(garbage + b"\x00" * 8)
                    sock.settimeout(5)
                    assert sock.recv(10) == b""  # closed by the member
        assert member.running
        assert (await ask(transport, "n1", {"op": "echo"}))["echo"] == {"op": "echo"}
        log = member.log_path.read_text()
    assert log.count("dropped") == 2 * len(GARBAGE)


async def test_a_link_that_cannot_send_keeps_only_its_newest_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from components.store.raft.real import host as host_module

    monkeypatch.setattr(host_module, "LINK_QUEUE_BYTES", 100)
    link = host_module._Link()
    for i in range(50):
        link.push(bytes([i]) * 10)
    assert link.dropped == 40
    assert await link.take() == b"".join(bytes([i]) * 10 for i in range(40, 50))
    assert link.bytes == 0


async def test_a_port_taken_between_choice_and_bind_is_chosen_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from components.store.raft import local

    choices: list[list[int]] = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()

        def first_one_taken(count: int) -> list[int]:
            ports = free_ports(count)
            if not choices:
                ports[0] = taken.getsockname()[1]  # another process got there first
            choices.append(ports)
            return ports

        monkeypatch.setattr(local, "free_ports", first_one_taken)
        async with (
            open_local_raft_cluster(
                1, fsync=False, program=PROGRAM, env={"PYTHONPATH": ROOT}
            ) as cluster,
            open_tcp_client_transport(
                cluster.client_addresses, tls=cluster.client_tls()
            ) as transport,
        ):
            assert (await ask(transport, "n1", {"op": "echo"}))["echo"] == {"op": "echo"}
            assert cluster.member("n1").peer_port == choices[-1][0]
    assert len(choices) == 2
