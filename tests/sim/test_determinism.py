"""One seed, one run: identical traces for a seed, different ones across seeds, internals restored,
and the self-check catching a node that reads the real clock or module `random`."""

from __future__ import annotations

import random
import time

import pytest
import trio

from fault_injection.sim import (
    Exponential,
    LinkConfig,
    Process,
    World,
    determinism,
    open_world,
    run_simulation,
    self_check,
    simulate,
)


async def _burst(proc: Process) -> None:
    """Task-style node: all such nodes wake at the same instants, so trio's shuffle matters."""
    for round_ in range(3):
        await proc.sleep(1)
        proc.send("sink", (proc.name, round_, proc.rng.randrange(1000)))


async def busy_world(world: World) -> None:
    """A small scenario exercising tasks, callbacks, latency, loss and simultaneous wake-ups."""
    world.net.configure_default(LinkConfig(latency=Exponential(0.01), loss=0.1, duplicate=0.1))
    world.add_host("sink", lambda p: p.on_message(lambda m: p.send(m.src, ("ack", m.id))))
    for i in range(6):
        world.add_host(f"n{i}", _burst)
    await world.sleep(5)


def test_same_seed_gives_identical_traces():
    a = simulate(busy_world, seed=11).trace
    b = simulate(busy_world, seed=11).trace
    assert a.events == b.events
    assert a.digest() == b.digest()


def test_different_seeds_give_different_traces():
    digests = {simulate(busy_world, seed=s).trace.digest() for s in range(5)}
    assert len(digests) == 5


def test_trio_scheduling_order_is_part_of_the_seed():
    """Same world seed, different scheduler seeds: simultaneous wake-ups run in other orders."""

    async def main() -> list:
        async with open_world(1) as world:
            await busy_world(world)
        return [e.details[1] for e in world.trace.of_kind("send") if e.details[2] == "sink"]

    orders = {tuple(run_simulation(main, seed=s)) for s in range(6)}
    assert len(orders) > 1
    assert run_simulation(main, seed=3) == run_simulation(main, seed=3)


def test_internals_are_restored_after_a_run():
    run = determinism._run_module()
    flag = run._ALLOW_DETERMINISTIC_SCHEDULING
    state = run._r.getstate()
    simulate(busy_world, seed=1)
    assert flag == run._ALLOW_DETERMINISTIC_SCHEDULING
    assert run._r.getstate() == state


def test_internals_are_restored_when_the_run_fails():
    run = determinism._run_module()
    flag = run._ALLOW_DETERMINISTIC_SCHEDULING

    async def boom() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_simulation(boom, seed=1)
    assert flag == run._ALLOW_DETERMINISTIC_SCHEDULING


def test_missing_trio_internals_fail_with_instructions(monkeypatch):
    from trio._core import _run

    monkeypatch.delattr(_run, "_ALLOW_DETERMINISTIC_SCHEDULING")
    with pytest.raises(determinism.DeterminismUnavailableError, match=r"trio>=0\.33,<0\.36"):
        run_simulation(trio.sleep, 0, seed=1)


def test_seed_must_be_an_int():
    with pytest.raises(TypeError, match="seed must be an int"):
        run_simulation(trio.sleep, 0, seed="1")  # type: ignore[arg-type]


def test_virtual_time_does_not_wait_for_real_time():
    async def scenario(world: World) -> float:
        await world.sleep(3600)
        return world.now()

    start = time.perf_counter()
    assert simulate(scenario, seed=1).value == 3600
    assert time.perf_counter() - start < 5


def test_self_check_passes_for_a_deterministic_scenario():
    report = self_check(busy_world, seed=5)
    assert report.ok
    assert report.events > 50
    assert "deterministic" in report.describe()


async def _uses_module_random(proc: Process) -> None:
    await proc.sleep(1)
    proc.send("sink", random.random())


async def _uses_wall_clock(proc: Process) -> None:
    await proc.sleep(1)
    await proc.sleep(time.time() % 1)  # the bug the self-check must catch
    proc.send("sink", "late")


@pytest.mark.parametrize("program", [_uses_module_random, _uses_wall_clock])
def test_self_check_reports_the_first_divergence_with_both_events(program):
    async def scenario(world: World) -> None:
        world.add_host("sink")
        world.add_host("ok", _burst)
        world.add_host("bad", program)
        await world.sleep(5)

    report = self_check(scenario, seed=3)
    assert not report.ok
    assert report.first is not None
    assert report.second is not None
    assert report.first.kind == "send" or report.second.kind == "send"
    assert report.first != report.second
    text = report.describe()
    assert "NONDETERMINISTIC" in text
    assert f"event #{report.divergence_index}" in text
    assert "run 1:" in text
    assert "run 2:" in text
