"""Workloads and histories: clients that issue operations and record what they saw.

See `docs/fault-injection.md` (Workloads and histories).
"""

from __future__ import annotations

from fault_injection.workloads.catalog import WORKLOADS, Workload, WorkloadError, workload
from fault_injection.workloads.client import ClientConfig, ClientPool
from fault_injection.workloads.keyed import KeyedCasRegisterModel
from fault_injection.workloads.operations import Completion, OpSpec, complete, timed_out

__all__ = [
    "WORKLOADS",
    "ClientConfig",
    "ClientPool",
    "Completion",
    "KeyedCasRegisterModel",
    "OpSpec",
    "Workload",
    "WorkloadError",
    "complete",
    "timed_out",
    "workload",
]
