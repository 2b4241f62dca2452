"""The chaos harness catches mutant cores running inside the member program.

Each mutant member (`components.store.raft.mutant_members`) runs the `cas` workload under
partitions and kills, seed after seed, until the checker reports an anomaly; the test fails
if none does within the bound. The direct scenario for `READ_WITHOUT_READ_INDEX` is in
`test_member.py`; the core-level sweep of every mutant is `test_mutants.py`.
"""

from __future__ import annotations

import pytest

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.runner import run_chaos


def _seeds_to_catch(mutant: str, bound: int) -> int | None:
    """How many seeds the harness needed to report an anomaly (None: not within `bound`)."""
    for seed in range(bound):
        outcome = run_chaos(
            ChaosConfig(
                program=f"components.store.raft.mutant_members:{mutant}",
                workload="cas",
                nemesis="partition,kill",
                nemesis_interval=5.0,
                duration=20.0,
                seed=seed,
            )
        )
        if outcome.verdict == "anomaly":
            return seed + 1
    return None


def test_vote_without_up_to_date_check_is_caught() -> None:
    assert _seeds_to_catch("vote_without_up_to_date_check", bound=5) is not None


@pytest.mark.slow
@pytest.mark.parametrize(
    "mutant", ["vote_without_up_to_date_check", "apply_before_commit"], ids=str
)
def test_mutant_member_is_caught_within_30_seeds(mutant: str) -> None:
    needed = _seeds_to_catch(mutant, bound=30)
    assert needed is not None, f"{mutant} survived 30 seeds"


def test_the_correct_member_passes_the_same_runs() -> None:
    """The runs that catch the mutant are valid with the correct core (no false alarm)."""
    outcome = run_chaos(
        ChaosConfig(
            program="components.store.raft.member:main",
            workload="cas",
            nemesis="partition,kill",
            nemesis_interval=5.0,
            duration=20.0,
            seed=0,
        )
    )
    assert outcome.verdict == "valid", outcome.replay_command()
