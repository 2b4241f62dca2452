"""The callback dispatcher: virtual-time order, cancellation, interplay with trio tasks, and
task-style and callback-style nodes doing the same work."""

from __future__ import annotations

import trio

from fault_injection.sim import World, simulate
from fault_injection.sim.benchmarks import heartbeat_scenario, kv_scenario


def test_timers_run_in_time_then_insertion_order():
    async def scenario(world: World):
        out: list[tuple[float, str]] = []
        for when, tag in [(3, "c"), (1, "a"), (2, "b1"), (2, "b2"), (0, "zero")]:
            world.call_at(when, lambda tag=tag: out.append((world.now(), tag)))
        cancelled = world.call_later(1.5, out.append, "cancelled")
        cancelled.cancel()
        await world.sleep(5)
        return out

    assert simulate(scenario, seed=1).value == [
        (0, "zero"),
        (1, "a"),
        (2, "b1"),
        (2, "b2"),
        (3, "c"),
    ]


def test_timers_and_trio_tasks_interleave_in_virtual_time():
    async def scenario(world: World):
        out: list[tuple[float, str]] = []

        async def task() -> None:
            for _ in range(3):
                await trio.sleep(1)
                out.append((trio.current_time(), "task"))

        world.nursery.start_soon(task)
        for t in (0.5, 1.5, 2.5, 10):
            world.call_at(t, lambda: out.append((world.now(), "timer")))
        await world.sleep(4)
        return out

    out = simulate(scenario, seed=1).value
    assert out == [
        (0.5, "timer"),
        (1, "task"),
        (1.5, "timer"),
        (2, "task"),
        (2.5, "timer"),
        (3, "task"),
    ]


def test_timer_scheduled_earlier_while_dispatcher_sleeps_wakes_it():
    async def scenario(world: World):
        out: list[float] = []
        world.call_at(100, lambda: out.append(world.now()))
        await world.sleep(1)
        world.call_later(1, lambda: out.append(world.now()))
        await world.sleep(200)
        return out

    assert simulate(scenario, seed=1).value == [2, 100]


def test_dispatcher_advances_idle_time_itself():
    async def scenario(world: World):
        for i in range(1000):
            world.call_at(i * 0.1, lambda: None)
        await world.sleep(200)
        return world.dispatcher.fast_jumps, world.dispatcher.timers_run

    jumps, ran = simulate(scenario, seed=1).value
    assert ran == 1000
    assert jumps > 900  # nearly every distinct instant reached without a trio wake-up


def test_heartbeat_task_and_callback_styles_deliver_the_same_heartbeats():
    task = simulate(heartbeat_scenario(50, 100, "task"), seed=4)
    callback = simulate(heartbeat_scenario(50, 100, "callback"), seed=4)
    assert task.value == callback.value == 500
    sends = list(task.trace.of_kind("send"))
    assert [e[:2] for e in sends] == [e[:2] for e in callback.trace.of_kind("send")]


def test_kv_clients_complete_operations_under_partitions_in_both_styles():
    for style in ("task", "callback"):
        result = simulate(kv_scenario(5, 10, 20, style), seed=2)  # type: ignore[arg-type]
        assert result.value > 500
        assert result.trace.of_kind("fault")
