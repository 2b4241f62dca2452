"""The chaos runner: a system under a workload and a nemesis, checked; `kubelab chaos run`.

See `docs/fault-injection.md` (The chaos runner).
"""

from __future__ import annotations

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.hosted_system import HostedSystem, NodeProgram
from fault_injection.chaos.runner import (
    EXIT_ANOMALY,
    EXIT_UNKNOWN,
    EXIT_VALID,
    ChaosConfigError,
    ChaosOutcome,
    build_system,
    run_chaos,
    self_check_chaos,
    summary,
)
from fault_injection.chaos.store_system import StoreSystem
from fault_injection.chaos.system import System

__all__ = [
    "EXIT_ANOMALY",
    "EXIT_UNKNOWN",
    "EXIT_VALID",
    "ChaosConfig",
    "ChaosConfigError",
    "ChaosOutcome",
    "HostedSystem",
    "NodeProgram",
    "StoreSystem",
    "System",
    "build_system",
    "run_chaos",
    "self_check_chaos",
    "summary",
]
