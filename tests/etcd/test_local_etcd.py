"""The local etcd launcher: members come up healthy on loopback and are gone afterwards."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from components.store.etcd import LocalEtcd, LocalEtcdError, open_etcd_store, open_local_etcd


def _port_is_free(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


async def test_one_member_runs_on_loopback_and_is_stopped(etcd_binary: str) -> None:
    async with open_local_etcd(1) as etcd:
        (member,) = etcd.members
        assert member.client_url.startswith("http://127.0.0.1:")
        assert not _port_is_free(member.client_url)
        data_root = member.data_dir.parent
        assert data_root.is_dir()
    assert _port_is_free(member.client_url)
    assert not data_root.exists()


async def test_a_given_data_dir_is_kept(etcd_binary: str, tmp_path: Path) -> None:
    async with open_local_etcd(1, data_dir=tmp_path) as etcd:
        pass
    assert (tmp_path / "m0").is_dir()
    assert etcd.members[0].log_path.is_file()


async def test_three_members_replicate_writes(etcd3: LocalEtcd) -> None:
    assert len(set(etcd3.endpoints)) == 3
    async with open_etcd_store(etcd3.endpoints[0]) as first:
        await first.put(b"k", b"v")
    for endpoint in etcd3.endpoints[1:]:
        async with open_etcd_store(endpoint) as other:
            assert (await other.range(b"k")).kvs[0].value == b"v"


async def test_a_missing_binary_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBELAB_ETCD_BINARY", str(tmp_path / "no-such-etcd"))
    with pytest.raises(LocalEtcdError, match="etcd binary was not found"):
        async with open_local_etcd(1, data_dir=tmp_path):
            pass


async def test_a_member_that_exits_is_reported_with_its_log(tmp_path: Path) -> None:
    with pytest.raises(LocalEtcdError, match="exited with code 1"):
        async with open_local_etcd(1, binary="/bin/false", data_dir=tmp_path):
            pass
