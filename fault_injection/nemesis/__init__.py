"""Nemeses: composable, seeded fault schedules for the simulated world, with a fault timeline.

    run = start_nemesis(world, compose(partition_random_halves(interval=5), kill(interval=5)),
                        hosts=servers)
    ...
    run.heal_all()
    print(run.timeline.to_json())

See `docs/fault-injection.md`.
"""

from __future__ import annotations

from fault_injection.nemesis.catalog import (
    clock_skew,
    disk,
    duplicate,
    kill,
    loss,
    partition,
    partition_bridge,
    partition_isolate,
    partition_majorities_ring,
    partition_majority_minority,
    partition_one_way,
    partition_random_halves,
    pause,
    reorder,
)
from fault_injection.nemesis.faults import (
    PARTITION_KINDS,
    ClockSkewFault,
    Fault,
    FaultContext,
    Injected,
    KillFault,
    LinkFault,
    PartitionFault,
    PauseFault,
)
from fault_injection.nemesis.schedule import Composite, Nemesis, NemesisRun, compose, start_nemesis
from fault_injection.nemesis.spec import (
    NEMESIS_NAMES,
    NemesisSpecError,
    parse_duration,
    parse_nemesis,
)
from fault_injection.nemesis.timeline import FaultEvent, FaultWindow, Timeline

__all__ = [
    "NEMESIS_NAMES",
    "PARTITION_KINDS",
    "ClockSkewFault",
    "Composite",
    "Fault",
    "FaultContext",
    "FaultEvent",
    "FaultWindow",
    "Injected",
    "KillFault",
    "LinkFault",
    "Nemesis",
    "NemesisRun",
    "NemesisSpecError",
    "PartitionFault",
    "PauseFault",
    "Timeline",
    "clock_skew",
    "compose",
    "disk",
    "duplicate",
    "kill",
    "loss",
    "parse_duration",
    "parse_nemesis",
    "partition",
    "partition_bridge",
    "partition_isolate",
    "partition_majorities_ring",
    "partition_majority_minority",
    "partition_one_way",
    "partition_random_halves",
    "pause",
    "reorder",
    "start_nemesis",
]
