"""`Env`: the world a component lives in (time, timers, seeded randomness, network, records).

Contracts and small pure helpers; the real implementation is `open_real_env`, the simulated one
`fault_injection.sim.SimEnv`. See docs/interfaces/env.md.
"""

from __future__ import annotations

from kernel.env._errors import NetRefusedError, NetResetError, NetTimeoutError
from kernel.env._protocols import (
    DEFAULT_CONNECT_TIMEOUT,
    Address,
    Cancellable,
    Env,
    NetStack,
    TcpListener,
    UdpSocket,
)
from kernel.env._real import RealEnv, RealNetStack, open_real_env
from kernel.env._rng import RngTree, rng_for, rng_path
from kernel.env._timers import EnvTimers, TimerHandle, TimerQueue

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "Address",
    "Cancellable",
    "Env",
    "EnvTimers",
    "NetRefusedError",
    "NetResetError",
    "NetStack",
    "NetTimeoutError",
    "RealEnv",
    "RealNetStack",
    "RngTree",
    "TcpListener",
    "TimerHandle",
    "TimerQueue",
    "UdpSocket",
    "open_real_env",
    "rng_for",
    "rng_path",
]
