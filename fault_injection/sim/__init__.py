"""The deterministic simulated world: hosts, network, disks, clocks, in virtual time.

One seed reproduces a whole run: `simulate(scenario, seed=...)` runs `scenario(world)` under
`run_simulation`, which seeds trio's scheduler and uses a MockClock. See
`docs/fault-injection.md` for the guide.
"""

from __future__ import annotations

from fault_injection.sim.clocks import HostClock
from fault_injection.sim.determinism import (
    TESTED_TRIO_RANGE,
    DeterminismUnavailableError,
    check_determinism_support,
    deterministic_scheduling,
    run_simulation,
)
from fault_injection.sim.disk import Disk, DiskStatistics
from fault_injection.sim.dispatcher import Dispatcher, Timer
from fault_injection.sim.host import Host, HostState, HostStateError, Program
from fault_injection.sim.latency import Constant, Exponential, Latency, Uniform
from fault_injection.sim.network import LinkConfig, LinkFaults, LinkStatistics, Message, Network
from fault_injection.sim.partitions import (
    Bridge,
    Groups,
    MajoritiesRing,
    OneWay,
    Partition,
    bridge,
    halves,
    isolate,
    majorities_ring,
    majority_minority,
    one_way,
    random_one_way,
    reachability,
)
from fault_injection.sim.process import DiskView, Process
from fault_injection.sim.rng import RngTree
from fault_injection.sim.selfcheck import SelfCheckReport, self_check
from fault_injection.sim.trace import Trace, TraceDivergenceError, TraceEvent, TraceMode
from fault_injection.sim.world import SimulationResult, World, open_world, simulate

__all__ = [
    "TESTED_TRIO_RANGE",
    "Bridge",
    "Constant",
    "DeterminismUnavailableError",
    "Disk",
    "DiskStatistics",
    "DiskView",
    "Dispatcher",
    "Exponential",
    "Groups",
    "Host",
    "HostClock",
    "HostState",
    "HostStateError",
    "Latency",
    "LinkConfig",
    "LinkFaults",
    "LinkStatistics",
    "MajoritiesRing",
    "Message",
    "Network",
    "OneWay",
    "Partition",
    "Process",
    "Program",
    "RngTree",
    "SelfCheckReport",
    "SimulationResult",
    "Timer",
    "Trace",
    "TraceDivergenceError",
    "TraceEvent",
    "TraceMode",
    "Uniform",
    "World",
    "bridge",
    "check_determinism_support",
    "deterministic_scheduling",
    "halves",
    "isolate",
    "majorities_ring",
    "majority_minority",
    "one_way",
    "open_world",
    "random_one_way",
    "reachability",
    "run_simulation",
    "self_check",
    "simulate",
]
