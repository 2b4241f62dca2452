"""Fixtures for the etcd backend's tests: a real etcd member on loopback per test.

Without the `etcd` binary the tests that need one skip with the reason, except in CI
(`KUBELAB_REQUIRE_ETCD` or `CI` set; `.ci/run` sets the first), where a missing etcd is a
failure: CI installs `etcd-server`, so its absence is a broken setup, not a reason to skip.
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
        "the etcd binary is not installed (apt-get install etcd-server, or set KUBELAB_ETCD_BINARY)"
    )
    required_by = [name for name in ("KUBELAB_REQUIRE_ETCD", "CI") if os.environ.get(name)]
    if required_by:
        pytest.fail(f"{required_by[0]} is set but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
async def etcd(etcd_binary: str) -> AsyncIterator[LocalEtcd]:
    """A fresh one-member etcd on random loopback ports, killed after the test."""
    async with _open_local_etcd(1) as cluster:
        yield cluster


@pytest.fixture
async def store(etcd: LocalEtcd) -> AsyncIterator[EtcdStore]:
    """An `EtcdStore` on the fresh member (revision 1, nothing compacted)."""
    async with open_etcd_store(etcd.endpoints) as opened:
        yield opened


@pytest.fixture
async def etcd3(etcd_binary: str) -> AsyncIterator[LocalEtcd]:
    """A fresh three-member etcd cluster on loopback, killed after the test."""
    async with _open_local_etcd(3) as cluster:
        yield cluster


@pytest.fixture
def etcd_binary() -> str:
    """The etcd binary's path; skips (or fails in CI) when it is missing.

    A plain (not async) fixture, so the skip reason reaches pytest's report intact.
    """
    require_etcd()
    binary = find_etcd_binary()
    assert binary is not None
    return binary
