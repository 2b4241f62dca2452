"""Model checking by exhaustive search: every choice a small system allows, breadth first.

`explore(system, Budget(...))` returns a `SearchResult` with the shortest trace to a broken
invariant, if one lies within the budget; `replay(system, actions)` runs a trace again. The
system (e.g. `components.store.raft.harness.search_model.RaftSearch`) supplies the choices.
"""

from fault_injection.search.engine import (
    Action,
    Budget,
    SearchResult,
    Step,
    System,
    explore,
    fingerprint,
    replay,
)

__all__ = [
    "Action",
    "Budget",
    "SearchResult",
    "Step",
    "System",
    "explore",
    "fingerprint",
    "replay",
]
