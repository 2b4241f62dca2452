"""The in-process replicated store passes the Store conformance suite, unchanged."""

from __future__ import annotations

import pytest
from trio.testing import MockClock

from components.store.raft.replicated import open_raft_store
from kernel.conformance.store import StoreCheck, store_conformance_params


@pytest.mark.parametrize("check", store_conformance_params())
async def test_raft_store_conformance(check: StoreCheck, autojump_clock: MockClock) -> None:
    await check.run(open_raft_store)
