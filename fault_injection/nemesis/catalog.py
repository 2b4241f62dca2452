"""Ready-made nemeses by name: `partition_random_halves()`, `kill()`, `pause()`, ...

Each returns a `Nemesis` (a fault with its schedule); combine them with `compose`.
"""

from __future__ import annotations

from fault_injection.nemesis.faults import (
    ClockSkewFault,
    KillFault,
    LinkFault,
    PartitionFault,
    PauseFault,
)
from fault_injection.nemesis.schedule import Nemesis


def partition(
    kind: str = "random", *, interval: float = 10.0, duration: float | None = None
) -> Nemesis:
    """Partitions of `kind`; "random" picks one of `PARTITION_KINDS` each time."""
    return Nemesis(PartitionFault(kind), interval, duration)


def partition_random_halves(*, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """Split the hosts into two random halves."""
    return partition("halves", interval=interval, duration=duration)


def partition_isolate(*, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """Cut one random host off from the rest."""
    return partition("isolate", interval=interval, duration=duration)


def partition_majority_minority(
    *, interval: float = 10.0, duration: float | None = None
) -> Nemesis:
    """Cut the largest possible minority off from the majority."""
    return partition("majority-minority", interval=interval, duration=duration)


def partition_majorities_ring(*, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """Every host sees a different majority."""
    return partition("majorities-ring", interval=interval, duration=duration)


def partition_bridge(*, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """Two halves joined only by one bridge host."""
    return partition("bridge", interval=interval, duration=duration)


def partition_one_way(*, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """One half stops hearing the other, which still hears it."""
    return partition("one-way", interval=interval, duration=duration)


def kill(count: int = 1, *, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """Crash `count` hosts (unsynced writes lost), restart them from disk when the fault ends."""
    return Nemesis(KillFault(count), interval, duration)


def disk(count: int = 1, *, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """Crash `count` hosts tearing their last unsynced writes, then restart them."""
    return Nemesis(KillFault(count, torn_writes=True, name="disk"), interval, duration)


def pause(count: int = 1, *, interval: float = 10.0, duration: float | None = None) -> Nemesis:
    """Pause `count` hosts (SIGSTOP), resume them when the fault ends."""
    return Nemesis(PauseFault(count), interval, duration)


def clock_skew(
    max_offset: float = 5.0,
    max_drift: float = 0.01,
    *,
    interval: float = 10.0,
    duration: float | None = None,
) -> Nemesis:
    """Jump and drift random hosts' wall clocks; reset them when the fault ends."""
    return Nemesis(ClockSkewFault(max_offset, max_drift), interval, duration)


def loss(
    probability: float = 0.2, *, interval: float = 10.0, duration: float | None = None
) -> Nemesis:
    """Lose messages on every link with at least `probability`."""
    return Nemesis(LinkFault("loss", probability), interval, duration)


def duplicate(
    probability: float = 0.2, *, interval: float = 10.0, duration: float | None = None
) -> Nemesis:
    """Duplicate messages on every link with at least `probability`."""
    return Nemesis(LinkFault("duplicate", probability), interval, duration)


def reorder(
    probability: float = 0.3, *, interval: float = 10.0, duration: float | None = None
) -> Nemesis:
    """Hold back messages on every link with at least `probability`, so later ones overtake."""
    return Nemesis(LinkFault("reorder", probability), interval, duration)
