"""The Raft member program under every nemesis of the catalog: linearizable and live.

The default run checks two seeds per nemesis; ``-m slow`` runs the 500-seed sweep per
nemesis (``python -m tests.raft.chaos_sweep --seeds 0..499`` does the same with a report).
Each run uses the compacting member (a snapshot every 16 entries) so snapshots, compaction
and InstallSnapshot are under fire too, and final reads start right at the heal.
"""

from __future__ import annotations

import pytest

from tests.raft.chaos_sweep import NEMESES, run_one, sweep_config

TWO_ELECTION_TIMEOUTS = 2 * 2 * 10 * 0.05
"""Two of the longest randomized election timeouts (2T ticks of 50 ms, T = 10), seconds."""


@pytest.mark.parametrize("nemesis", NEMESES)
@pytest.mark.parametrize("seed", [0, 1])
def test_member_is_linearizable_and_live_under(nemesis: str, seed: int) -> None:
    row = run_one(sweep_config(nemesis, seed))
    assert row["verdict"] == "valid", row["replay"]
    assert row["recovery"] is not None
    # Clients retry every 0.5 s and time out after 1 s, so allow their own delays on top.
    assert row["recovery"] <= TWO_ELECTION_TIMEOUTS + 1.5, row


@pytest.mark.slow
@pytest.mark.parametrize("nemesis", NEMESES)
def test_member_sweep_500_seeds(nemesis: str) -> None:
    failing = []
    for seed in range(500):
        row = run_one(sweep_config(nemesis, seed))
        if row["verdict"] != "valid":
            failing.append(row["replay"])
    assert not failing, "\n".join(failing)
