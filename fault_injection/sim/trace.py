"""The event trace of a simulated run: what happened, in order, at which virtual time.

Why: the trace is the run's fingerprint. Two runs of one seed must produce the same trace (the
self-check compares them event by event), and a trace digest checked into a test catches any
change to the scheduler's determinism.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal, NamedTuple

TraceMode = Literal["full", "count"]


class TraceEvent(NamedTuple):
    """One thing that happened: virtual time, a kind (e.g. "send", "crash") and its details.

    A NamedTuple rather than an attrs class because large simulations record millions of them.
    """

    time: float
    """Virtual seconds since the start of the run."""
    kind: str
    """What happened: send, deliver, drop, crash, restart, pause, resume, fault, note, ..."""
    details: tuple[Any, ...]
    """Kind-specific values (for messages: id, src, dst, payload...)."""

    def describe(self) -> str:
        """One line for people: `t=1.250000 send (3, 'a', 'b', {'op': 'read'})`."""
        return f"t={self.time:.6f} {self.kind} {self.details!r}"

    def canonical(self) -> str:
        """A stable text form (reprs of floats, strs, ints and tuples are stable in Python)."""
        return f"{self.time!r}|{self.kind}|{self.details!r}"


class TraceDivergenceError(Exception):
    """Raised when a replayed run records an event that differs from the expected trace."""

    def __init__(self, index: int, expected: TraceEvent | None, actual: TraceEvent | None) -> None:
        self.index = index
        self.expected = expected
        self.actual = actual
        super().__init__(describe_divergence(index, expected, actual))


def describe_divergence(index: int, first: TraceEvent | None, second: TraceEvent | None) -> str:
    """Both sides of the first differing event, for a person to compare."""
    a = first.describe() if first is not None else "<run ended>"
    b = second.describe() if second is not None else "<run ended>"
    return f"trace diverges at event #{index}:\n  run 1: {a}\n  run 2: {b}"


class Trace:
    """An append-only, ordered record of `TraceEvent`s.

    mode "full" keeps every event (needed for digests and the self-check); "count" only counts
    them, for benchmarks with millions of events. With `expected`, every recorded event is
    compared to the expected one at the same index and the first mismatch raises
    `TraceDivergenceError` at once, stopping the run where it went wrong.
    """

    def __init__(self, mode: TraceMode = "full", expected: list[TraceEvent] | None = None) -> None:
        if mode not in ("full", "count"):
            raise ValueError(f"trace mode must be 'full' or 'count', got {mode!r}")
        if expected is not None and mode != "full":
            raise ValueError("comparing against an expected trace needs mode='full'")
        self.mode: TraceMode = mode
        self.events: list[TraceEvent] = []
        self.count = 0
        self.expected = expected
        self.divergence: TraceDivergenceError | None = None

    def record(self, time: float, kind: str, details: tuple[Any, ...]) -> None:
        """Append one event (cheap: one tuple, one list append)."""
        self.count += 1
        if self.mode == "count":
            return
        event = TraceEvent(time, kind, details)
        if self.expected is not None:
            self._compare(event)
        self.events.append(event)

    def _compare(self, event: TraceEvent) -> None:
        index = len(self.events)
        expected = self.expected[index] if index < len(self.expected or ()) else None
        if expected is None or expected.canonical() != event.canonical():
            self.divergence = TraceDivergenceError(index, expected, event)
            raise self.divergence

    def finish(self) -> None:
        """Check, when replaying, that the expected trace has no events left over."""
        if self.expected is not None and self.divergence is None:
            index = len(self.events)
            if index < len(self.expected):
                self.divergence = TraceDivergenceError(index, self.expected[index], None)
                raise self.divergence

    def digest(self) -> str:
        """SHA-256 over every event's canonical form: equal digests mean identical runs."""
        if self.mode != "full":
            raise ValueError("a trace digest needs mode='full' (this trace only counted events)")
        h = hashlib.sha256()
        for event in self.events:
            h.update(event.canonical().encode())
            h.update(b"\n")
        return h.hexdigest()

    def of_kind(self, *kinds: str) -> list[TraceEvent]:
        """The recorded events of the given kinds, in order."""
        return [e for e in self.events if e.kind in kinds]
