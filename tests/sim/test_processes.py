"""Crash, restart from disk, pause/resume: what a node keeps, loses, and when it runs."""

from __future__ import annotations

import pytest

from fault_injection.sim import (
    Constant,
    HostStateError,
    LinkConfig,
    Message,
    Process,
    World,
    simulate,
)


async def _counter(proc: Process) -> None:
    """Counts received messages in memory; persists every count but fsyncs only even ones."""
    count = int(proc.disk.read("count")) if proc.disk.exists("count") else 0
    proc.send("observer", ("booted", proc.incarnation, count))
    while True:
        await proc.recv()
        count += 1
        proc.disk.write("count", str(count).encode())
        if count % 2 == 0:
            proc.disk.fsync("count")


def _observer(log: list):
    def boot(proc: Process) -> None:
        proc.on_message(lambda m: log.append(m.payload))

    return boot


def test_crash_loses_memory_and_unsynced_writes_restart_reads_synced_disk():
    async def scenario(world: World):
        log: list = []
        world.add_host("observer", _observer(log))
        world.add_host("c", _counter)
        world.add_host("sender")
        sender = world.host("sender").process
        for _ in range(3):
            sender.send("c", "inc")
        await world.sleep(1)
        world.crash("c")
        assert world.host("c").disk.read("count") == b"2"  # 3 was written, never synced
        await world.sleep(1)
        world.restart("c")
        await world.sleep(1)
        return log, world.host("c").disk.statistics()

    log, disk = simulate(scenario, seed=1).value
    assert log == [("booted", 0, 0), ("booted", 1, 2)]
    assert disk.lost_writes == 1
    assert disk.crashes == 1


def test_crashed_host_drops_messages_and_its_timers_never_fire():
    async def scenario(world: World):
        fired: list[float] = []
        world.add_host("a", lambda p: p.call_later(5, lambda: fired.append(p.now())))
        world.add_host("b")
        world.crash("a")
        world.host("b").process.send("a", "hello")
        await world.sleep(10)
        return fired, world.net.statistics("b", "a")

    fired, stats = simulate(scenario, seed=1).value
    assert fired == []
    assert (stats.delivered, stats.dropped) == (0, 1)


def test_dead_process_cannot_send_even_if_its_task_is_still_unwinding():
    async def zombie(proc: Process) -> None:
        try:
            await proc.sleep(100)
        finally:
            proc.send("b", "from beyond")
            proc.disk.write("f", b"ghost")

    async def scenario(world: World):
        world.add_host("a", zombie)
        world.add_host("b")
        await world.sleep(1)
        world.crash("a")
        await world.sleep(1)
        return world.net.statistics("a", "b").sent, world.host("a").disk.exists("f")

    assert simulate(scenario, seed=1).value == (0, False)


def test_pause_holds_messages_and_timers_then_resume_runs_them_in_order():
    async def scenario(world: World):
        seen: list[tuple[float, str]] = []

        def boot(proc: Process) -> None:
            proc.on_message(lambda m: seen.append((proc.now(), m.payload)))
            proc.call_later(2.0, lambda: seen.append((proc.now(), "timer")))

        world.add_host("a", boot)
        world.add_host("b")
        world.net.configure_default(LinkConfig(latency=Constant(0.5)))
        await world.sleep(1)
        world.pause("a")
        world.host("b").process.send("a", "m1")
        await world.sleep(2)
        world.host("b").process.send("a", "m2")
        await world.sleep(1)  # t=4
        world.resume("a")
        await world.sleep(1)
        return seen

    seen = simulate(scenario, seed=1).value
    assert seen == [(4.0, "m1"), (4.0, "timer"), (4.0, "m2")]


def test_pause_freezes_tasks_sleeping_and_receiving():
    async def sleeper(proc: Process) -> None:
        while True:
            await proc.sleep(1)
            proc.send("log", "tick")

    async def receiver(proc: Process) -> None:
        while True:
            msg = await proc.recv()
            proc.send("log", f"got {msg.payload}")

    async def scenario(world: World):
        out: list[tuple[float, str]] = []
        world.add_host("log", lambda p: p.on_message(lambda m: out.append((p.now(), m.payload))))
        world.net.configure_default(LinkConfig(latency=Constant(0.0)))
        world.add_host("s", sleeper)
        world.add_host("r", receiver)
        await world.sleep(1.5)
        world.pause("s")
        world.pause("r")
        world.host("log").process.send("r", "x")
        await world.sleep(3)  # t=4.5
        world.resume("s")
        world.resume("r")
        await world.sleep(0.75)
        return out

    out = simulate(scenario, seed=1).value
    assert out == [(1.0, "tick"), (4.5, "tick"), (4.5, "got x")]


def test_crash_while_paused_drops_held_messages():
    async def scenario(world: World):
        seen: list = []
        world.add_host("a", lambda p: p.on_message(seen.append))
        world.add_host("b")
        world.pause("a")
        world.host("b").process.send("a", "held")
        await world.sleep(1)
        world.crash("a")
        world.restart("a")
        await world.sleep(1)
        return seen, world.net.statistics("b", "a")

    seen, stats = simulate(scenario, seed=1).value
    assert seen == []
    assert (stats.delivered, stats.dropped) == (0, 1)


def test_control_actions_in_the_wrong_state_say_so():
    async def scenario(world: World):
        world.add_host("a")
        world.crash("a")
        with pytest.raises(HostStateError, match="already down"):
            world.crash("a")
        with pytest.raises(HostStateError, match="only a running host pauses"):
            world.pause("a")
        world.restart("a")
        with pytest.raises(HostStateError, match="crash it before booting"):
            world.restart("a")
        with pytest.raises(KeyError, match="no host named 'zz'"):
            world.host("zz")
        with pytest.raises(ValueError, match="already exists"):
            world.add_host("a")

    simulate(scenario, seed=1)


def test_restart_gets_a_new_incarnation_and_new_randomness():
    async def scenario(world: World):
        draws: list[tuple[int, float]] = []
        world.add_host("a", lambda p: draws.append((p.incarnation, p.rng.random())))
        world.crash("a")
        world.restart("a")
        return draws

    draws = simulate(scenario, seed=1).value
    assert [i for i, _ in draws] == [0, 1]
    assert draws[0][1] != draws[1][1]
    assert draws == simulate(scenario, seed=1).value


def test_messages_are_values_with_ids_in_send_order():
    async def scenario(world: World):
        got: list[Message] = []
        world.add_host("a", lambda p: p.on_message(got.append))
        world.add_host("b")
        b = world.host("b").process
        b.send("a", 1)
        b.send("a", 2)
        await world.sleep(1)
        return got

    got = simulate(scenario, seed=1).value
    assert [(m.id, m.src, m.dst, m.payload) for m in got] == [(1, "b", "a", 1), (2, "b", "a", 2)]
