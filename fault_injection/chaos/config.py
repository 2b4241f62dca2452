"""`ChaosConfig`: every knob of one chaos run, and the command line that replays it."""

from __future__ import annotations

import shlex
from decimal import Decimal

import attrs


def _number(value: float) -> str:
    """The shortest text that reads back as exactly `value` (a replay must not round)."""
    text = format(Decimal(repr(float(value))), "f")  # shortest round-trip digits, no exponent
    return text.rstrip("0").rstrip(".") if "." in text else text


def _seconds(value: float) -> str:
    return f"{_number(value)}s"


@attrs.frozen
class ChaosConfig:
    """One run: the system, workload, nemesis, sizes and the seed. Times are virtual seconds."""

    store: str = "memory"
    """A `kubelab.store` name or `module:attr`, or `unsafe` (the test store that must fail)."""
    bin: str | None = None
    """A Maelstrom node program (command line) instead of a store."""
    program: str | None = None
    """A `kernel.hosting` node program (`module:attr`, ``async def main(host)``) instead."""
    workload: str = "register"
    nemesis: str = "none"
    """Comma-separated nemesis names (see `fault_injection.nemesis.parse_nemesis`)."""
    nemesis_interval: float = 5.0
    nodes: int = 3
    clients: int = 5
    rate: float = 10.0
    """Operations per second per client (mean)."""
    timeout: float = 1.0
    """Per-operation timeout."""
    duration: float = 30.0
    """Length of the main phase (faults and random operations)."""
    recovery: float = 5.0
    """After healing: wait this long before final reads."""
    liveness: float = 10.0
    """Final reads must succeed within this many seconds after recovery."""
    latency: float = 0.005
    """Mean one-way network latency (exponential, at least a tenth of it)."""
    seed: int = 0
    check_timeout: float = 60.0
    """Wall-clock seconds the linearizability check may take before `unknown`."""

    def command(self, seed: int | None = None) -> str:
        """The `kubelab chaos run` command line that replays this run (with `seed`)."""
        args = ["kubelab", "chaos", "run"]
        if self.bin is not None:
            args += ["--bin", self.bin]
        elif self.program is not None:
            args += ["--program", self.program]
        else:
            args += ["--store", self.store]
        args += ["--workload", self.workload, "--nemesis", self.nemesis or "none"]
        args += ["--nemesis-interval", _seconds(self.nemesis_interval)]
        defaults = ChaosConfig()
        for flag, attr in (
            ("--nodes", "nodes"),
            ("--clients", "clients"),
            ("--rate", "rate"),
            ("--timeout", "timeout"),
            ("--recovery", "recovery"),
            ("--liveness", "liveness"),
            ("--latency", "latency"),
            ("--check-timeout", "check_timeout"),
        ):
            value = getattr(self, attr)
            if value != getattr(defaults, attr):
                args += [flag, _number(value)]
        args += ["--duration", _seconds(self.duration)]
        args += ["--seed", str(self.seed if seed is None else seed)]
        return shlex.join(args)
