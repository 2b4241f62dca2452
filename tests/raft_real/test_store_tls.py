"""The Raft store is private (issue 10): its members speak mutual TLS with the cluster CA.

"The Raft store's client ports take anyone": a local process with no credentials read
Secrets and wrote RBAC bindings. Now a connection without a certificate the CA signed is
refused (no reply, the connection closed) while the store's own client is served.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from components.store.raft.local import LocalRaft, open_cluster_client, open_local_raft_cluster
from components.store.raft.real.wire import encode_frame
from kernel.client.tls import client_context
from kernel.pki import issue, new_ca

READ = {"type": "read", "msg_id": 1, "key": "/registry/secrets/default/token"}


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[LocalRaft]:
    async with open_local_raft_cluster(1, fsync=False, data_dir=tmp_path) as running:
        yield running


async def _answer(stream: trio.abc.Stream) -> bytes:
    """Whatever the member sends back before closing (or within 5 s)."""
    received = b""
    with trio.move_on_after(5):
        try:
            await stream.send_all(encode_frame(READ))
            while chunk := await stream.receive_some(65536):
                received += chunk
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
    return received


async def test_the_stores_own_client_is_served(cluster: LocalRaft) -> None:
    async with open_cluster_client(cluster, timeout=20) as client:
        await client.put(b"/k", b"v")
        assert (await client.range(b"/k")).kvs[0].value == b"v"


async def test_a_plain_tcp_client_is_refused(cluster: LocalRaft) -> None:
    host, port = cluster.members[0].client_address
    stream = await trio.open_tcp_stream(host, port)
    assert await _answer(stream) == b""
    await stream.aclose()


@pytest.mark.parametrize("cert", ["none", "another CA"])
async def test_a_tls_client_without_a_cluster_certificate_is_refused(
    cluster: LocalRaft, cert: str
) -> None:
    assert cluster.pki is not None
    ca_pem = (cluster.pki / "ca.crt").read_bytes()
    pair = issue(new_ca(), "kube-apiserver") if cert == "another CA" else None
    context = client_context(ca_pem, *((pair.cert_pem, pair.key_pem) if pair else (None, None)))
    host, port = cluster.members[0].client_address
    tcp = await trio.open_tcp_stream(host, port)
    stream = trio.SSLStream(tcp, context, server_hostname=host)
    assert await _answer(stream) == b""
    await trio.aclose_forcefully(stream)


async def test_member_keys_and_data_are_owner_only(cluster: LocalRaft) -> None:
    assert cluster.pki is not None
    for path in cluster.pki.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path
    assert cluster.members[0].data_dir.stat().st_mode & 0o777 == 0o700
