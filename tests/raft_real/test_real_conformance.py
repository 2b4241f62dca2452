"""The Store conformance suite, unchanged, on the Raft store as 3 local processes over TCP.

Each check gets a fresh cluster (no fsync: speed; the SIGKILL test covers durability). The
default run takes a subset touching each part of the contract; the whole suite is slow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from components.store.raft.local import open_local_raft_store
from kernel.conformance.store import STORE_CHECKS, StoreCheck, store_conformance_params

DEFAULT_SUBSET = (
    "revision_starts_at_one",
    "txn_branches",
    "watch_replays_then_goes_live",
    "lease_revoke_deletes_keys",
)


@asynccontextmanager
async def open_fresh_cluster() -> AsyncIterator[Any]:
    async with open_local_raft_store(3, fsync=False) as store:
        yield store


@pytest.mark.parametrize("check", store_conformance_params(only=DEFAULT_SUBSET))
async def test_real_raft_store_conformance_subset(check: StoreCheck) -> None:
    await check.run(open_fresh_cluster)


@pytest.mark.slow
@pytest.mark.parametrize(
    "check",
    store_conformance_params(only=[c.name for c in STORE_CHECKS if c.name not in DEFAULT_SUBSET]),
)
async def test_real_raft_store_conformance(check: StoreCheck) -> None:
    await check.run(open_fresh_cluster)
