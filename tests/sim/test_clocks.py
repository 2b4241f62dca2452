"""Per-host clocks: offset, drift, jumps, reset; timers stay on virtual time."""

from __future__ import annotations

import pytest

from fault_injection.sim import HostClock, Process, World, simulate
from kernel.clock import Clock


class _Virtual:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_offset_and_drift():
    v = _Virtual()
    c = HostClock(v)
    as_kernel_clock: Clock = c  # HostClock satisfies kernel.clock.Clock
    assert as_kernel_clock.now() == 0
    v.t = 10
    assert c.now() == 10
    c.set_offset(5)
    assert c.now() == 15
    c.set_drift(0.1)
    v.t = 20
    assert c.now() == pytest.approx(26)  # 15 + 1.1 * 10
    assert c.offset() == pytest.approx(6)
    c.jump(-10)
    assert c.now() == pytest.approx(16)
    c.reset()
    assert c.now() == 20
    v.t = 30
    assert c.now() == 30


def test_drift_must_keep_the_clock_moving_forward():
    with pytest.raises(ValueError, match="drift must be > -1"):
        HostClock(_Virtual()).set_drift(-1.0)


def test_skewed_host_clock_does_not_change_when_timers_fire():
    async def scenario(world: World):
        out: list[tuple[float, float]] = []

        async def node(proc: Process) -> None:
            await proc.sleep(10)
            out.append((proc.now(), proc.clock.now()))

        host = world.add_host("a", node)
        host.clock.set_offset(100)
        host.clock.set_drift(0.5)
        await world.sleep(11)
        return out

    assert simulate(scenario, seed=1).value == [(10.0, 115.0)]
