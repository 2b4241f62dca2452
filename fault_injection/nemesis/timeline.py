"""The fault timeline: every fault start and stop, with virtual time and targets, as JSON.

Why: a history is only explainable next to what was broken when; reports shade fault windows
and a replay compares timelines.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import attrs

Phase = Literal["start", "stop"]


@attrs.frozen
class FaultEvent:
    """One fault starting or stopping."""

    time: float
    """Virtual seconds since the run began."""
    phase: Phase
    """"start" when injected, "stop" when healed."""
    fault: str
    """Fault name (partition, kill, pause, clock-skew, loss, duplicate, reorder, disk)."""
    targets: tuple[str, ...]
    """Hosts affected (empty for network-wide faults)."""
    details: dict[str, Any] = attrs.field(factory=dict, eq=False)
    """Fault-specific, JSON-friendly facts (partition groups, clock offsets...)."""
    fault_id: int = 0
    """Pairs a stop with its start."""

    def to_jsonable(self) -> dict[str, Any]:
        """A plain dict for JSON."""
        return {
            "time": self.time,
            "phase": self.phase,
            "fault": self.fault,
            "targets": list(self.targets),
            "details": self.details,
            "fault_id": self.fault_id,
        }


@attrs.frozen
class FaultWindow:
    """A fault's whole life: for shading reports."""

    fault: str
    """Fault name."""
    start: float
    """Injection time."""
    stop: float | None
    """Heal time (None: still active)."""
    targets: tuple[str, ...]
    """Hosts affected."""


@attrs.define
class Timeline:
    """Fault events in the order they happened."""

    events: list[FaultEvent] = attrs.field(factory=list)
    """All events."""

    def add(self, event: FaultEvent) -> None:
        """Append one event."""
        self.events.append(event)

    def windows(self) -> list[FaultWindow]:
        """Start/stop pairs, in start order."""
        open_: dict[int, FaultEvent] = {}
        out: list[tuple[FaultEvent, float | None]] = []
        stops: dict[int, float] = {}
        for e in self.events:
            if e.phase == "start":
                open_[e.fault_id] = e
            else:
                stops[e.fault_id] = e.time
        out = [(e, stops.get(fid)) for fid, e in open_.items()]
        return [FaultWindow(e.fault, e.time, stop, e.targets) for e, stop in out]

    def counts(self) -> dict[str, int]:
        """How many faults of each kind were injected, by name (sorted)."""
        counts: dict[str, int] = {}
        for e in self.events:
            if e.phase == "start":
                counts[e.fault] = counts.get(e.fault, 0) + 1
        return dict(sorted(counts.items()))

    def to_jsonable(self) -> list[dict[str, Any]]:
        """A list of plain dicts."""
        return [e.to_jsonable() for e in self.events]

    def to_json(self, indent: int | None = None) -> str:
        """The timeline as a JSON array."""
        return json.dumps(self.to_jsonable(), indent=indent, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Timeline:
        """Read a timeline written by `to_json`."""
        return cls(
            [
                FaultEvent(
                    d["time"],
                    d["phase"],
                    d["fault"],
                    tuple(d["targets"]),
                    d["details"],
                    d["fault_id"],
                )
                for d in json.loads(text)
            ]
        )
