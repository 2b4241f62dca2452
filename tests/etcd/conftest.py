"""Fixtures for the etcd backend's tests: a real etcd member on loopback per test.

Without the `etcd` binary the tests skip with the reason, except in CI (`CI` set), where a
missing etcd is a failure: CI installs `etcd-server`, so its absence is a broken setup.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from components.store.etcd import EtcdStore, LocalEtcd, find_etcd_binary, open_etcd_store
from components.store.etcd import open_local_etcd as _open_local_etcd


def require_etcd() -> None:
    """Skip (locally) or fail (in CI) when the etcd binary is missing."""
    if find_etcd_binary() is not None:
        return
    message = (
        "the etcd binary is not installed (apt-get install etcd-server, or set "
        "KUBELAB_ETCD_BINARY)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
async def etcd() -> AsyncIterator[LocalEtcd]:
    """A fresh one-member etcd on random loopback ports, killed after the test."""
    require_etcd()
    async with _open_local_etcd(1) as cluster:
        yield cluster


@pytest.fixture
async def store(etcd: LocalEtcd) -> AsyncIterator[EtcdStore]:
    """An `EtcdStore` on the fresh member (revision 1, nothing compacted)."""
    async with open_etcd_store(etcd.endpoints) as opened:
        yield opened


@pytest.fixture
async def etcd3() -> AsyncIterator[LocalEtcd]:
    """A fresh three-member etcd cluster on loopback, killed after the test."""
    require_etcd()
    async with _open_local_etcd(3) as cluster:
        yield cluster


@pytest.fixture
def etcd_binary() -> str:
    """The etcd binary's path (skips or fails like the other fixtures when it is missing)."""
    require_etcd()
    binary = find_etcd_binary()
    assert binary is not None
    return binary
