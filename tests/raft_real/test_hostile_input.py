"""A real member lives through well-framed nonsense from clients and from its peer port.

The nonsense comes over authenticated TLS connections (the cluster's client certificate, a
peer's), the worst case: without a certificate nothing gets past the handshake
(test_store_tls).
"""

from __future__ import annotations

import socket
import ssl

import trio

from components.store.raft.local import open_cluster_client, open_local_raft_cluster
from components.store.raft.real.tls import StoreTLS
from components.store.raft.real.wire import FrameReader, encode_frame

FROM_A_CLIENT = [
    {"type": "store", "msg_id": [1], "method": 5, "args": "x"},
    {"type": "store"},
    {"type": "raft", "m": b"garbage"},  # a client pretending to be a peer
    {"type": "store", "msg_id": 1, "client": "c", "seq": "x", "method": "put", "args": {}},
    {"type": "store", "msg_id": 3, "method": "range", "args": {"key": b"a", "range_end": 7}},
    {"type": "read", "key": [1]},
    [],
    None,
]
ON_THE_PEER_PORT = [
    {"hello": "n2"},
    {"type": "raft", "m": b"garbage"},
    {"type": "raft", "ms": "not a list"},
    {"type": "raft", "ms": [5, None]},
    {"type": "raft", "m": b"\x01" + b"\x00" * 80},
    "x",
]
BAD_HELLOS = [{"hello": [1]}, {"hello": "client:1"}, {"hello": "n1"}]
BAD_HELLO_LOG = "expected a hello from a peer"
PROBE = {"type": "store", "msg_id": 424242, "method": "range", "args": {"key": b"a"}}


async def test_nonsense_does_not_stop_a_member_or_lose_data() -> None:
    async with (
        open_local_raft_cluster(3, fsync=False) as cluster,
        open_cluster_client(cluster) as store,
    ):
        await store.put(b"a", b"1")
        member = cluster.member("n1")
        # The client's nonsense, then a real request: its reply shows all of it was read.
        client_tls = cluster.client_tls()
        assert client_tls is not None
        assert cluster.pki is not None
        peer_tls = StoreTLS.from_files(
            cluster.pki / "ca.crt", cluster.pki / "store-n2.crt", cluster.pki / "store-n2.key"
        )
        reply = await trio.to_thread.run_sync(
            send_and_read_reply, member.client_address, [*FROM_A_CLIENT, PROBE], client_tls.client
        )
        assert reply["type"] in ("store_ok", "error")
        peer = ("127.0.0.1", member.peer_port)
        for payloads in [ON_THE_PEER_PORT, *([hello] for hello in BAD_HELLOS)]:
            with (
                socket.create_connection(peer, timeout=5) as raw,
                peer_tls.client.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
            ):
                sock.sendall(b"".join(encode_frame(p) for p in payloads))
        with trio.fail_after(20):  # each bad hello is logged as its connection is dropped
            while member.log_path.read_text().count(BAD_HELLO_LOG) < len(BAD_HELLOS):
                await trio.sleep(0.02)
        assert all(m.running for m in cluster.members)
        await store.put(b"b", b"2")
        got = await store.range(b"a", b"c")
        log = member.log_path.read_text()
    assert [(kv.key, kv.value) for kv in got.kvs] == [(b"a", b"1"), (b"b", b"2")]
    assert log.count(BAD_HELLO_LOG) == len(BAD_HELLOS)


def send_and_read_reply(
    where: tuple[str, int], payloads: list[object], context: ssl.SSLContext
) -> dict[str, object]:
    """Send `payloads` on one TLS connection; the reply to `PROBE` (blocking: in a thread)."""
    reader = FrameReader()
    with (
        socket.create_connection(where, timeout=20) as raw,
        context.wrap_socket(raw, server_hostname=where[0]) as sock,
    ):
        sock.sendall(b"".join(encode_frame(p) for p in payloads))
        while True:
            chunk = sock.recv(65536)
            assert chunk, "the member closed the connection instead of replying"
            for reply in reader.feed(chunk):
                if isinstance(reply, dict) and reply.get("in_reply_to") == PROBE["msg_id"]:
                    return reply
