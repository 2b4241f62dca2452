"""The Store conformance suite, unchanged, against a real etcd (one fresh member per check).

Real time: the lease checks wait for real expiries (a few seconds each); the local member's
fast election settings give etcd a 1 s minimum lease TTL, so the suite's 2 s leases are
granted as asked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from components.store.etcd import EtcdStore, open_etcd_store, open_local_etcd
from kernel.conformance.store import StoreCheck, store_conformance_params


@asynccontextmanager
async def open_fresh_etcd_store() -> AsyncIterator[EtcdStore]:
    """A store on a new, empty one-member etcd that lives as long as the store."""
    async with open_local_etcd(1) as etcd, open_etcd_store(etcd.endpoints) as store:
        yield store


@pytest.mark.parametrize("check", store_conformance_params())
async def test_etcd_store_conformance(check: StoreCheck, etcd_binary: str) -> None:
    await check.run(open_fresh_etcd_store)
