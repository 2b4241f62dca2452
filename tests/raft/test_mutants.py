"""The fuzz harness catches every deliberately buggy Raft core, and passes the correct one.

Each mutant (``components.store.raft.core.mutants``) is one classic student mistake. A
seed sweep of ``components.store.raft.harness.chaos.run_seed`` (random delivery order, loss,
duplication, partitions, crashes that lose unpersisted state, snapshots, reads, transfers, then
liveness checks on a healed network) must find a safety violation or a liveness failure
for each, and find none for the correct core over the same seeds. The default run sweeps
the mutants that are caught within a few hundred seeds; ``pytest -m slow`` sweeps them all
and prints how many seeds each needed. Reproduce one run with
``python -m components.store.raft.harness.chaos SEED MUTANT``; the whole table with
``python -m components.store.raft.harness.chaos --sweep-mutants 2000``.
"""

from __future__ import annotations

import pytest

from components.store.raft.core import Mutant
from components.store.raft.harness.chaos import first_failing_seed, run_seed

DEFAULT_BOUND = 250
"""Seeds the default run may spend per mutant."""
SLOW_BOUND = 2000
"""Seeds the slow sweep may spend per mutant (and runs the correct core over)."""

HARD = frozenset({Mutant.COMMIT_OLDER_TERM_BY_COUNTING, Mutant.SNAPSHOT_DROPS_NEWER_ENTRIES})
"""Mutants that need the rare interleavings of the long sweep (Figure 8; a snapshot that
arrives while its follower already holds newer, acknowledged entries)."""


def _param(m: Mutant) -> object:
    marks = [pytest.mark.slow] if m in HARD else []
    return pytest.param(m, id=m.name, marks=marks)


@pytest.mark.parametrize("mutant", [_param(m) for m in Mutant])
def test_harness_catches_mutant(mutant: Mutant) -> None:
    """Every mutant is caught (safety or liveness) within a bounded seed sweep."""
    bound = SLOW_BOUND if mutant in HARD else DEFAULT_BOUND
    found = first_failing_seed(frozenset({mutant}), bound)
    assert found is not None, f"{mutant.name} survived {bound} seeds"
    seed, error = found
    print(f"{mutant.name}: caught after {seed + 1} seeds: {error}")
    if not mutant.is_safety:
        # A liveness-only bug must show up as a liveness failure, never as a "safety
        # violation": that would mean the harness (or the mutant) is wrong.
        assert error.startswith("liveness"), f"{mutant.name} tripped: {error}"


def test_correct_core_passes_the_default_sweep() -> None:
    """The unmodified core survives the seeds the default mutant sweep may use."""
    for seed in range(DEFAULT_BOUND):
        result = run_seed(seed, check_log_matching=True)
        assert result.error is None, f"seed {seed}: {result.error}"


@pytest.mark.slow
def test_correct_core_passes_the_slow_sweep() -> None:
    """The unmodified core survives every seed the slow mutant sweep may use."""
    for seed in range(DEFAULT_BOUND, SLOW_BOUND):
        result = run_seed(seed, check_log_matching=True)
        assert result.error is None, f"seed {seed}: {result.error}"


def test_a_run_is_reproducible_from_its_seed() -> None:
    """One seed replays a whole run: same commits, elections, reads and verdict."""
    assert run_seed(7) == run_seed(7)
    caught = run_seed(1, mutants=frozenset({Mutant.KEEP_CONFLICTING_SUFFIX}))
    assert caught == run_seed(1, mutants=frozenset({Mutant.KEEP_CONFLICTING_SUFFIX}))
