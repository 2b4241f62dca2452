"""Nemeses from command-line text: `parse_nemesis("partition,kill", interval=5.0)`.

The chaos runner turns `--nemesis partition,kill --nemesis-interval 5s` into a `Composite`
with these functions; a bad name or duration raises `NemesisSpecError` naming the valid choices,
which the CLI shows as one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fault_injection.nemesis import catalog
from fault_injection.nemesis.schedule import Composite, Nemesis, compose


class NemesisSpecError(ValueError):
    """A nemesis spec or duration the parser does not understand."""


_Maker = Callable[..., Nemesis]

#: Every name `parse_nemesis` accepts, with what it builds.
NEMESIS_NAMES: dict[str, _Maker] = {
    "partition": catalog.partition,
    "partition-halves": catalog.partition_random_halves,
    "partition-one": catalog.partition_isolate,
    "isolate": catalog.partition_isolate,
    "partition-majority": catalog.partition_majority_minority,
    "partition-majorities-ring": catalog.partition_majorities_ring,
    "partition-bridge": catalog.partition_bridge,
    "partition-one-way": catalog.partition_one_way,
    "kill": catalog.kill,
    "pause": catalog.pause,
    "clock-skew": catalog.clock_skew,
    "loss": catalog.loss,
    "duplicate": catalog.duplicate,
    "reorder": catalog.reorder,
    "disk": catalog.disk,
}


def parse_nemesis(spec: str, *, interval: float = 10.0, duration: float | None = None) -> Composite:
    """Build the composition named by comma-separated `spec` ("none" or "" for no faults)."""
    if not interval > 0:
        raise NemesisSpecError(f"nemesis interval must be > 0 seconds, got {interval!r}")
    if duration is not None and not 0 < duration <= interval:
        raise NemesisSpecError(
            f"nemesis duration must be in (0, interval={interval}] seconds, got {duration!r}"
        )
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    if names in ([], ["none"]):
        return compose()
    parts: list[Nemesis] = []
    for name in names:
        maker = NEMESIS_NAMES.get(name)
        if maker is None:
            raise NemesisSpecError(
                f"unknown nemesis {name!r}; choose from: none, {', '.join(NEMESIS_NAMES)}"
            )
        parts.append(maker(interval=interval, duration=duration))
    return compose(*parts)


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds from "5s", "500ms", "2m", "1h" or a bare number of seconds ("2.5")."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|min|m|h)?\s*", text)
    if m is None:
        raise NemesisSpecError(
            f"cannot read duration {text!r}: use a number with a unit, like 5s, 500ms or 2m"
        )
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]
