"""The etcd backend over TLS, as kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile.

A real etcd on loopback serves https:// and asks for client certificates
(``--client-cert-auth``); the store works with the CA and client certificate, and without
the certificate etcd refuses it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from components.store.etcd import open_etcd_store
from components.store.etcd._http import Endpoint
from kernel.interfaces.store import StoreUnavailableError
from kernel.pki import ensure_cluster_ca, issue, write_pair
from tests.etcd.conftest import require_etcd


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def tls_etcd(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An etcd serving https://127.0.0.1:PORT with mutual TLS; (URL, pki directory)."""
    require_etcd()
    from components.store.etcd import find_etcd_binary

    pki = tmp_path / "pki"
    ca = ensure_cluster_ca(pki)
    write_pair(pki, "etcd", issue(ca, "etcd", hosts=["127.0.0.1", "localhost"]))
    write_pair(pki, "apiserver-etcd-client", issue(ca, "kube-apiserver-etcd-client"))
    client, peer = _free_port(), _free_port()
    url = f"https://127.0.0.1:{client}"
    proc = subprocess.Popen(
        [
            str(find_etcd_binary()),
            "--name",
            "tls",
            "--data-dir",
            str(tmp_path / "data"),
            "--listen-client-urls",
            url,
            "--advertise-client-urls",
            url,
            "--listen-peer-urls",
            f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls",
            f"http://127.0.0.1:{peer}",
            "--initial-cluster",
            f"tls=http://127.0.0.1:{peer}",
            "--cert-file",
            str(pki / "etcd.crt"),
            "--key-file",
            str(pki / "etcd.key"),
            "--trusted-ca-file",
            str(pki / "ca.crt"),
            "--client-cert-auth",
            "--log-level",
            "error",
            "--logger",
            "zap",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield url, pki
    finally:
        proc.kill()
        proc.wait()


async def test_the_store_works_over_mutual_tls(tls_etcd: tuple[str, Path]) -> None:
    url, pki = tls_etcd
    files = {
        "cafile": pki / "ca.crt",
        "certfile": pki / "apiserver-etcd-client.crt",
        "keyfile": pki / "apiserver-etcd-client.key",
    }
    with trio.fail_after(20):
        while True:
            try:
                async with open_etcd_store(url, **files) as store:
                    await store.put(b"/registry/secrets/default/s", b"v")
                    got = await store.range(b"/registry/secrets/default/s")
                    assert got.kvs[0].value == b"v"
                    break
            except StoreUnavailableError:
                await trio.sleep(0.1)  # etcd still starting


async def test_without_a_client_certificate_etcd_refuses(tls_etcd: tuple[str, Path]) -> None:
    url, pki = tls_etcd
    files = {
        "cafile": pki / "ca.crt",
        "certfile": pki / "apiserver-etcd-client.crt",
        "keyfile": pki / "apiserver-etcd-client.key",
    }
    with trio.fail_after(20):  # wait until it serves the certified client
        while True:
            try:
                async with open_etcd_store(url, **files):
                    break
            except StoreUnavailableError:
                await trio.sleep(0.1)
    with pytest.raises(StoreUnavailableError):
        async with open_etcd_store(url, cafile=pki / "ca.crt", connect_timeout=2.0):
            pass


def test_https_endpoints_parse_and_other_schemes_are_refused() -> None:
    assert Endpoint.parse("https://127.0.0.1:2379").url == "https://127.0.0.1:2379"
    with pytest.raises(ValueError, match="only http:// and https://"):
        Endpoint.parse("unix:///tmp/etcd.sock")
