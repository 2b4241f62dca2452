"""Fault schedules: when each fault starts and stops, composed, installed into a world.

A `Nemesis` is a value: one fault with a period (`interval`, time between starts) and a
`duration` (how long each instance lasts). `compose` combines several; `start_nemesis` installs
one into a running world, driven by the world's dispatcher (no extra trio tasks), and returns a
`NemesisRun` holding the timeline and `heal_all()` for the final, fault-free phase.
Components of a composition are phase-shifted (component i of n first fires at
start + interval * (i + 1) / n), so "partition,kill" alternates rather than striking together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from fault_injection.nemesis.faults import Fault, FaultContext, Injected
from fault_injection.nemesis.timeline import FaultEvent, Timeline
from fault_injection.sim.dispatcher import Timer
from fault_injection.sim.world import World


@attrs.frozen
class Nemesis:
    """One fault, injected every `interval` seconds for `duration` seconds."""

    fault: Fault
    """What to break."""
    interval: float = 10.0
    """Seconds between consecutive starts."""
    duration: float | None = None
    """Seconds each fault lasts (None: half the interval); must not exceed the interval."""

    def __attrs_post_init__(self) -> None:
        if not self.interval > 0:
            raise ValueError(f"nemesis interval must be > 0 seconds, got {self.interval!r}")
        d = self.lasts
        if not 0 < d <= self.interval:
            raise ValueError(
                f"nemesis duration must be in (0, interval={self.interval}] seconds, got {d!r}"
            )

    @property
    def lasts(self) -> float:
        """The effective duration."""
        return self.interval / 2 if self.duration is None else self.duration

    @property
    def parts(self) -> tuple[Nemesis, ...]:
        """The single-fault schedules this is made of (itself)."""
        return (self,)


@attrs.frozen
class Composite:
    """Several schedules running side by side."""

    parts: tuple[Nemesis, ...]
    """The single-fault schedules."""


def compose(*nemeses: Nemesis | Composite) -> Composite:
    """Run these schedules together (nested compositions are flattened)."""
    flat: list[Nemesis] = []
    for n in nemeses:
        if not isinstance(n, Nemesis | Composite):
            raise TypeError(f"compose takes Nemesis or Composite values, got {n!r}")
        flat.extend(n.parts)
    return Composite(tuple(flat))


@attrs.define
class _Active:
    fault: str
    fault_id: int
    injected: Injected


class NemesisRun:
    """A nemesis installed in a world: its timeline, its active faults, `heal_all`."""

    def __init__(self, world: World, nemesis: Nemesis | Composite, hosts: Sequence[str]) -> None:
        self.world = world
        self.hosts = tuple(hosts)
        """Hosts the faults may target."""
        self.timeline = Timeline()
        """Every fault start and stop so far."""
        self._parts = nemesis.parts
        self._active: dict[int, _Active] = {}
        self._cycles: dict[int, Timer] = {}
        self._next_id = 0
        self._stopped = False

    def _start(self, start: float) -> None:
        n = len(self._parts)
        for i, part in enumerate(self._parts):
            rng = self.world.rngs.rng(f"nemesis/{i}/{part.fault.name}")
            ctx = FaultContext(self.world, self.hosts, rng)
            first = start + part.interval * (i + 1) / n
            self._cycles[i] = self.world.call_at(first, self._cycle, i, part, ctx, first)

    def _cycle(self, index: int, part: Nemesis, ctx: FaultContext, when: float) -> None:
        if self._stopped:
            return
        injected = part.fault.inject(ctx)
        if injected is not None:
            self._next_id += 1
            fid = self._next_id
            self._active[fid] = _Active(part.fault.name, fid, injected)
            self._log("start", part.fault.name, injected, fid)
            self.world.call_at(when + part.lasts, self._stop, fid)
        nxt = when + part.interval
        self._cycles[index] = self.world.call_at(nxt, self._cycle, index, part, ctx, nxt)

    def _stop(self, fid: int) -> None:
        active = self._active.pop(fid, None)
        if active is None:
            return
        active.injected.undo()
        self._log("stop", active.fault, active.injected, fid)

    def _log(self, phase: str, fault: str, injected: Injected, fid: int) -> None:
        event = FaultEvent(
            self.world.now(),
            phase,
            fault,
            injected.targets,  # type: ignore[arg-type]
            injected.details if phase == "start" else {},
            fid,
        )
        self.timeline.add(event)
        self.world.record("fault", phase, fault, injected.targets, fid)

    @property
    def active(self) -> list[str]:
        """Names of faults in effect now, in start order."""
        return [a.fault for _, a in sorted(self._active.items())]

    def stop(self) -> None:
        """Inject no more faults (active ones still end on schedule)."""
        self._stopped = True
        for timer in self._cycles.values():
            timer.cancel()

    def heal_all(self) -> None:
        """Stop injecting and heal every active fault now (the final, fault-free phase)."""
        self.stop()
        for fid in sorted(self._active):
            self._stop(fid)

    def summary(self) -> dict[str, Any]:
        """Faults injected by kind, and how many are still active."""
        return {"injected": self.timeline.counts(), "active": len(self._active)}


def start_nemesis(
    world: World,
    nemesis: Nemesis | Composite,
    *,
    hosts: Sequence[str] | None = None,
    start: float | None = None,
) -> NemesisRun:
    """Install `nemesis` into `world`, targeting `hosts` (default: all), from `start` (default now).

    Faults are driven by the world's dispatcher: nothing to await, nothing to cancel but
    `heal_all()`/`stop()`.
    """
    names = list(world.host_names if hosts is None else hosts)
    for h in names:
        world.host(h)  # a clear KeyError for unknown hosts, now rather than mid-run
    run = NemesisRun(world, nemesis, names)
    run._start(world.now() if start is None else start)
    return run
