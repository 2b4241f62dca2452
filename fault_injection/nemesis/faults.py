"""Fault kinds: how to inject one fault into a world and how to undo it.

Each fault is a frozen value with `inject(ctx)`, returning an `Injected` (targets, details, an
`undo` callable) or None when nothing fits right now (e.g. every target is already down).
Undo is tolerant: it only reverts what is still as the fault left it, so overlapping faults
(a pause then a kill on one host) compose without errors.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs

from fault_injection.sim import partitions as parts
from fault_injection.sim.world import World


@attrs.frozen
class FaultContext:
    """What a fault may use: the world, the eligible hosts, its own seeded generator."""

    world: World
    """The world to break."""
    hosts: tuple[str, ...]
    """Hosts this nemesis may target (e.g. the servers, not the clients)."""
    rng: random.Random
    """This fault's generator (derived from the seed and the fault's name)."""


@attrs.frozen
class Injected:
    """A fault now in effect."""

    targets: tuple[str, ...]
    """Hosts affected (empty: network-wide)."""
    details: dict[str, Any]
    """JSON-friendly facts for the timeline."""
    undo: Callable[[], None] = attrs.field(eq=False, repr=False)
    """Heal this fault."""


class Fault(Protocol):
    """A kind of fault."""

    name: str

    def inject(self, ctx: FaultContext) -> Injected | None:
        """Break something now; None if nothing can be broken at the moment."""
        ...


PARTITION_KINDS = ("halves", "isolate", "majority-minority", "majorities-ring", "bridge", "one-way")
_TWO_HOST_KINDS = ("halves", "isolate", "one-way")
"""Kinds that make sense with only two hosts; the others need three."""


@attrs.frozen
class PartitionFault:
    """Partition the eligible hosts; kind "random" picks one of `PARTITION_KINDS` each time."""

    kind: str = "random"
    """One of PARTITION_KINDS or "random"."""
    name: str = "partition"

    def __attrs_post_init__(self) -> None:
        if self.kind != "random" and self.kind not in PARTITION_KINDS:
            raise ValueError(
                f"partition kind must be 'random' or one of {', '.join(PARTITION_KINDS)}; "
                f"got {self.kind!r}"
            )

    def inject(self, ctx: FaultContext) -> Injected | None:
        hosts = list(ctx.hosts)
        if len(hosts) < 2:
            return None
        kind = self.kind
        if kind == "random":
            usable = [k for k in PARTITION_KINDS if len(hosts) >= 3 or k in _TWO_HOST_KINDS]
            kind = ctx.rng.choice(usable)
        elif len(hosts) < 3 and kind not in _TWO_HOST_KINDS:
            return None  # a majority, a ring or a bridge needs at least 3 hosts
        partition = _make_partition(kind, hosts, ctx.rng)
        net = ctx.world.net
        net.partition(partition)

        def undo() -> None:
            if partition in net.partitions:
                net.unpartition(partition)

        return Injected((), partition.describe(), undo)


def _make_partition(kind: str, hosts: Sequence[str], rng: random.Random) -> parts.Partition:
    if kind == "halves":
        return parts.halves(hosts, rng)
    if kind == "isolate":
        return parts.isolate(rng.choice(list(hosts)), hosts)
    if kind == "majority-minority":
        return parts.majority_minority(hosts, rng)
    if kind == "majorities-ring":
        return parts.majorities_ring(hosts, rng)
    if kind == "bridge":
        return parts.bridge(hosts, rng)
    return parts.random_one_way(hosts, rng)


def _pick(ctx: FaultContext, states: tuple[str, ...], count: int) -> list[str]:
    candidates = [h for h in ctx.hosts if ctx.world.host(h).state in states]
    return sorted(ctx.rng.sample(candidates, min(count, len(candidates))))


@attrs.frozen
class KillFault:
    """Crash `count` random running hosts; undo restarts them from disk.

    With `torn_writes`, their disks tear the last unsynced write at the crash (the "disk" fault).
    """

    count: int = 1
    """Hosts to crash each time."""
    torn_writes: bool = False
    """Tear unsynced writes on these crashes."""
    name: str = "kill"

    def inject(self, ctx: FaultContext) -> Injected | None:
        victims = _pick(ctx, ("running", "paused"), self.count)
        if not victims:
            return None
        world = ctx.world
        for name in victims:
            host = world.host(name)
            saved = host.disk.torn_writes
            host.disk.torn_writes = saved or self.torn_writes
            host.crash()
            host.disk.torn_writes = saved

        def undo() -> None:
            for name in victims:
                if world.host(name).state == "down":
                    world.restart(name)

        return Injected(tuple(victims), {"torn_writes": self.torn_writes}, undo)


@attrs.frozen
class PauseFault:
    """Pause `count` random running hosts (SIGSTOP); undo resumes them."""

    count: int = 1
    """Hosts to pause each time."""
    name: str = "pause"

    def inject(self, ctx: FaultContext) -> Injected | None:
        victims = _pick(ctx, ("running",), self.count)
        if not victims:
            return None
        world = ctx.world
        incarnations = {}
        for name in victims:
            world.pause(name)
            incarnations[name] = world.host(name).incarnation

        def undo() -> None:
            for name in victims:
                host = world.host(name)
                if host.paused and host.incarnation == incarnations[name]:
                    host.resume()

        return Injected(tuple(victims), {}, undo)


@attrs.frozen
class ClockSkewFault:
    """Skew random hosts' clocks: offset in ±max_offset s, drift in ±max_drift; undo resets."""

    max_offset: float = 5.0
    """Largest jump, seconds."""
    max_drift: float = 0.01
    """Largest drift (0.01: 1% fast or slow)."""
    name: str = "clock-skew"

    def inject(self, ctx: FaultContext) -> Injected | None:
        if not ctx.hosts:
            return None
        rng = ctx.rng
        victims = sorted(rng.sample(list(ctx.hosts), rng.randint(1, len(ctx.hosts))))
        details: dict[str, Any] = {}
        for name in victims:
            clock = ctx.world.host(name).clock
            offset = rng.uniform(-self.max_offset, self.max_offset)
            drift = rng.uniform(-self.max_drift, self.max_drift)
            clock.set_offset(offset)
            clock.set_drift(drift)
            details[name] = {"offset": offset, "drift": drift}
        world = ctx.world

        def undo() -> None:
            for name in victims:
                world.host(name).clock.reset()

        return Injected(tuple(victims), details, undo)


@attrs.frozen
class LinkFault:
    """Raise network-wide loss, duplication or reordering to `probability`; undo clears it."""

    field: str
    """"loss", "duplicate" or "reorder"."""
    probability: float = 0.2
    """The floor applied to every link."""
    name: str = ""

    def __attrs_post_init__(self) -> None:
        if self.field not in ("loss", "duplicate", "reorder"):
            raise ValueError(f"link fault must be loss, duplicate or reorder, got {self.field!r}")
        if not self.name:
            object.__setattr__(self, "name", self.field)

    def inject(self, ctx: FaultContext) -> Injected | None:
        net = ctx.world.net
        net.set_faults(attrs.evolve(net.faults, **{self.field: self.probability}))

        def undo() -> None:
            net.set_faults(attrs.evolve(net.faults, **{self.field: 0.0}))

        return Injected((), {self.field: self.probability}, undo)
