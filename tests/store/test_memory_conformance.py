"""The memory store passes the Store conformance suite, one pytest test per contract rule."""

from __future__ import annotations

import pytest
from trio.testing import MockClock

from components.store.memory import open_memory_store
from kernel.conformance.store import (
    STORE_CHECKS,
    StoreCheck,
    check_store,
    store_conformance_params,
)


@pytest.mark.parametrize("check", store_conformance_params())
async def test_memory_store_conformance(check: StoreCheck, autojump_clock: MockClock) -> None:
    await check.run(open_memory_store)


async def test_check_store_reports_every_check(autojump_clock: MockClock) -> None:
    report = await check_store(open_memory_store)
    assert report.passed, report.summary()
    assert [r.name for r in report.results] == [c.name for c in STORE_CHECKS]
    assert report.counts()["pass"] == len(STORE_CHECKS)


async def test_shared_store_mode_skips_fresh_store_checks(autojump_clock: MockClock) -> None:
    report = await check_store(open_memory_store, fresh_stores=False)
    skipped = {r.name for r in report.results if r.outcome == "skip"}
    assert skipped == {c.name for c in STORE_CHECKS if c.fresh_store}
    assert report.passed, report.summary()
