"""The search explores a small cluster breadth first: the correct core passes, mutants fail."""

from __future__ import annotations

from components.store.raft.core import Mutant
from components.store.raft.harness.search_model import Bounds, RaftSearch
from fault_injection.search import Budget, explore, replay


def test_correct_core_passes_every_run_of_six_steps() -> None:
    """No invariant breaks in any run of up to 6 steps at the default bounds."""
    r = explore(RaftSearch(Bounds()), Budget(max_depth=6, max_states=50_000))
    assert r.violation is None, r.violation
    assert r.complete_depth == 6


def test_a_mutant_gets_a_shortest_replayable_trace() -> None:
    """COUNT_STALE_VOTES breaks election safety; the trace replays to the same violation."""
    search = RaftSearch(Bounds(), frozenset({Mutant.COUNT_STALE_VOTES}))
    r = explore(search, Budget(max_depth=8, max_states=20_000))
    assert r.violation is not None
    assert len(r.trace) == r.depth
    steps, violation = replay(search, [s.action for s in r.trace])
    assert violation == r.violation
    assert [s.text for s in steps] == [s.text for s in r.trace]
