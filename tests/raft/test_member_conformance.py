"""The Raft member program, 3 members in the simulator behind a RaftClient, passes the Store
conformance suite unchanged."""

from __future__ import annotations

import pytest
from trio.testing import MockClock

from kernel.conformance.store import StoreCheck, store_conformance_params
from tests.raft.sim_cluster import open_sim_raft_store


@pytest.mark.parametrize("check", store_conformance_params())
async def test_member_store_conformance(check: StoreCheck, autojump_clock: MockClock) -> None:
    await check.run(open_sim_raft_store)
