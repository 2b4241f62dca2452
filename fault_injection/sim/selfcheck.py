"""Self-check: run one seed twice and stop at the first event where the runs differ.

Why: nondeterminism (a node calling `time.time()`, module `random`, iterating a set of strings)
makes failures unreplayable, and it is silent. Replaying the seed against the first run's trace
finds it at the first differing event and shows both sides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from fault_injection.sim.trace import TraceDivergenceError, TraceEvent, describe_divergence
from fault_injection.sim.world import World, simulate


@attrs.frozen
class SelfCheckReport:
    """Outcome of `self_check`."""

    seed: int
    """The seed that was run twice."""
    events: int
    """Events in the first run's trace."""
    digest: str
    """The first run's trace digest."""
    divergence_index: int | None = None
    """Index of the first differing event (None: the runs were identical)."""
    first: TraceEvent | None = None
    """Run 1's event at that index (None: run 1 had ended)."""
    second: TraceEvent | None = None
    """Run 2's event at that index (None: run 2 had ended)."""

    @property
    def ok(self) -> bool:
        """True when both runs produced identical traces."""
        return self.divergence_index is None

    def describe(self) -> str:
        """One paragraph for people: identical, or where the runs diverge with both events."""
        if self.ok:
            return (
                f"seed {self.seed}: deterministic ({self.events} events, trace {self.digest[:16]})"
            )
        assert self.divergence_index is not None
        return f"seed {self.seed}: NONDETERMINISTIC, " + describe_divergence(
            self.divergence_index, self.first, self.second
        )


def self_check(
    scenario: Callable[[World], Awaitable[Any]], *, seed: int, **world_options: Any
) -> SelfCheckReport:
    """Run `scenario` twice with `seed`; the second run stops at the first divergent event."""
    first = simulate(scenario, seed=seed, **world_options)
    events = first.trace.events
    digest = first.trace.digest()
    divergence: TraceDivergenceError | None = None
    try:
        simulate(scenario, seed=seed, expected_trace=events, **world_options)
    except* TraceDivergenceError as group:
        divergence = _first_divergence(group)
    if divergence is None:
        return SelfCheckReport(seed, len(events), digest)
    return SelfCheckReport(
        seed, len(events), digest, divergence.index, divergence.expected, divergence.actual
    )


def _first_divergence(group: BaseExceptionGroup[TraceDivergenceError]) -> TraceDivergenceError:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_divergence(exc)
        return exc
    raise AssertionError("empty exception group")  # pragma: no cover
