"""Nemeses: schedules, composition, spec parsing, every fault kind's effect, timelines, heal_all."""

from __future__ import annotations

import json

import pytest

from fault_injection.nemesis import (
    NEMESIS_NAMES,
    Nemesis,
    NemesisSpecError,
    PartitionFault,
    Timeline,
    clock_skew,
    compose,
    disk,
    duplicate,
    kill,
    loss,
    parse_duration,
    parse_nemesis,
    partition,
    partition_random_halves,
    pause,
    reorder,
    start_nemesis,
)
from fault_injection.sim import LinkFaults, Process, World, simulate

SERVERS = ["n1", "n2", "n3", "n4", "n5"]


async def _appender(proc: Process) -> None:
    while True:
        await proc.sleep(0.1)
        proc.disk.append("log", b"record|")


def _run(nemesis, duration: float = 30.0, *, heal_at: float | None = None, seed: int = 1):
    async def scenario(world: World):
        for name in SERVERS:
            world.add_host(name, _appender)
        world.add_host("client")
        run = start_nemesis(world, nemesis, hosts=SERVERS)
        if heal_at is None:
            await world.sleep(duration)
        else:
            await world.sleep(heal_at)
            run.heal_all()
            await world.sleep(duration - heal_at)
        states = {h.name: h.state for h in world.hosts}
        return run, states

    return simulate(scenario, seed=seed)


def test_a_nemesis_starts_every_interval_and_stops_after_its_duration():
    result = _run(partition_random_halves(interval=5, duration=2), duration=21)
    run, _ = result.value
    events = run.timeline.events
    assert [(e.time, e.phase) for e in events] == [
        (5, "start"),
        (7, "stop"),
        (10, "start"),
        (12, "stop"),
        (15, "start"),
        (17, "stop"),
        (20, "start"),
    ]
    assert all(e.fault == "partition" for e in events)
    assert run.active == ["partition"]
    assert len(result.world.net.partitions) == 1


def test_composed_nemeses_are_phase_shifted_and_recorded_in_one_timeline():
    run, _ = _run(compose(partition(interval=10), kill(interval=10)), duration=25.5).value
    starts = [(e.time, e.fault) for e in run.timeline.events if e.phase == "start"]
    assert starts == [
        (5, "partition"),
        (10, "kill"),
        (15, "partition"),
        (20, "kill"),
        (25, "partition"),
    ]


def test_kill_crashes_a_server_and_restarts_it_and_never_touches_clients():
    result = _run(kill(2, interval=4, duration=2), duration=11)
    run, states = result.value
    kills = [e for e in run.timeline.events if e.fault == "kill"]
    assert all(len(e.targets) == 2 and set(e.targets) <= set(SERVERS) for e in kills)
    crashes = result.trace.of_kind("crash")
    boots = [e for e in result.trace.of_kind("boot") if e.details[1] > 0]
    assert len(crashes) == 4
    assert len(boots) == 4
    assert states["client"] == "running"


def test_pause_freezes_and_resumes():
    result = _run(pause(interval=4, duration=3), duration=5)
    run, states = result.value
    [start] = run.timeline.events
    assert (start.time, start.phase) == (4, "start")
    target = start.targets[0]
    assert states[target] == "paused"
    assert [e.details for e in result.trace.of_kind("pause")] == [(target,)]


def test_clock_skew_moves_clocks_and_stop_resets_them():
    async def scenario(world: World):
        for name in SERVERS:
            world.add_host(name)
        run = start_nemesis(world, clock_skew(10.0, 0.1, interval=4, duration=2), hosts=SERVERS)
        await world.sleep(5)
        during = {h: world.host(h).clock.offset() for h in SERVERS}
        await world.sleep(2)
        after = {h: world.host(h).clock.offset() for h in SERVERS}
        return run, during, after

    run, during, after = simulate(scenario, seed=3).value
    skewed = run.timeline.events[0].targets
    assert skewed
    assert all(during[h] != 0 for h in skewed)
    assert all(abs(during[h]) <= 10.0 + 0.1 * 1 for h in skewed)
    assert all(v == 0 for v in after.values())


@pytest.mark.parametrize(
    ("make", "field"), [(loss, "loss"), (duplicate, "duplicate"), (reorder, "reorder")]
)
def test_link_faults_set_and_clear_network_floors(make, field):
    async def scenario(world: World):
        for name in SERVERS:
            world.add_host(name)
        start_nemesis(world, make(0.4, interval=4, duration=2))
        await world.sleep(5)
        during = world.net.faults
        await world.sleep(2)
        return during, world.net.faults

    during, after = simulate(scenario, seed=1).value
    assert getattr(during, field) == 0.4
    assert after == LinkFaults()


def test_disk_nemesis_tears_unsynced_writes_of_crashed_hosts():
    result = _run(disk(interval=1, duration=0.5), duration=10.5)
    run, _ = result.value
    stats = [result.world.host(h).disk.statistics() for h in SERVERS]
    assert sum(s.crashes for s in stats) == 10
    assert sum(s.torn_writes for s in stats) >= 5
    assert all(
        e.details == {"torn_writes": True} for e in run.timeline.events if e.phase == "start"
    )


def test_every_partition_kind_can_be_injected():
    for kind in ("halves", "isolate", "majority-minority", "majorities-ring", "bridge", "one-way"):
        run, _ = _run(partition(kind, interval=2), duration=3).value
        assert run.timeline.events[0].details["kind"] == kind


def test_random_partition_kind_varies_over_time_but_not_across_replays():
    kinds = [
        e.details["kind"]
        for e in _run(partition(interval=1), duration=40).value[0].timeline.events
        if e.phase == "start"
    ]
    assert len(set(kinds)) >= 4
    again = [
        e.details["kind"]
        for e in _run(partition(interval=1), duration=40).value[0].timeline.events
        if e.phase == "start"
    ]
    assert kinds == again


def test_heal_all_ends_every_fault_and_injects_no_more():
    result = _run(
        parse_nemesis("partition,kill,pause,clock-skew,loss", interval=4, duration=4),
        duration=30,
        heal_at=10,
    )
    run, states = result.value
    assert run.active == []
    assert all(e.time <= 10 for e in run.timeline.events)
    starts = {e.fault_id for e in run.timeline.events if e.phase == "start"}
    stops = {e.fault_id for e in run.timeline.events if e.phase == "stop"}
    assert starts == stops
    assert set(states.values()) == {"running"}
    assert result.world.net.partitions == ()
    assert result.world.net.faults == LinkFaults()


def test_timeline_round_trips_through_json_and_gives_windows():
    run, _ = _run(
        compose(partition(interval=5, duration=2), kill(interval=5, duration=1)), duration=15.5
    ).value
    text = run.timeline.to_json()
    data = json.loads(text)
    assert {"time", "phase", "fault", "targets", "details", "fault_id"} <= set(data[0])
    assert Timeline.from_json(text).events == run.timeline.events
    windows = run.timeline.windows()
    assert all(w.stop is None or w.stop > w.start for w in windows)
    assert run.timeline.counts() == {"kill": 3, "partition": 3}


def test_same_seed_same_timeline_different_seed_different_timeline():
    spec = parse_nemesis("partition,kill,pause", interval=3)
    a = _run(spec, seed=5).value[0].timeline.to_json()
    b = _run(spec, seed=5).value[0].timeline.to_json()
    c = _run(spec, seed=6).value[0].timeline.to_json()
    assert a == b
    assert a != c


def test_parse_nemesis_knows_every_documented_name():
    for name in NEMESIS_NAMES:
        composite = parse_nemesis(name, interval=5)
        assert len(composite.parts) == 1
        assert composite.parts[0].interval == 5
    assert parse_nemesis("none").parts == ()
    assert parse_nemesis("").parts == ()
    assert len(parse_nemesis(" partition , kill ").parts) == 2
    assert set(NEMESIS_NAMES) >= {
        "partition",
        "partition-one",
        "isolate",
        "partition-majorities-ring",
        "partition-bridge",
        "partition-one-way",
        "kill",
        "pause",
        "clock-skew",
        "loss",
        "duplicate",
        "reorder",
        "disk",
    }


def test_parse_nemesis_errors_name_the_choices():
    with pytest.raises(NemesisSpecError, match=r"unknown nemesis 'partiton'; choose from: none, "):
        parse_nemesis("partiton")
    with pytest.raises(NemesisSpecError, match="interval must be > 0"):
        parse_nemesis("kill", interval=0)
    with pytest.raises(NemesisSpecError, match="duration must be in"):
        parse_nemesis("kill", interval=2, duration=3)
    with pytest.raises(ValueError, match="duration must be in"):
        Nemesis(PartitionFault(), interval=1, duration=2)
    with pytest.raises(ValueError, match="partition kind must be"):
        PartitionFault("sideways")


def test_parse_duration():
    assert parse_duration("5s") == 5
    assert parse_duration("500ms") == 0.5
    assert parse_duration("2m") == 120
    assert parse_duration("1.5") == 1.5
    with pytest.raises(NemesisSpecError, match="like 5s"):
        parse_duration("five")


def test_unknown_target_host_fails_at_install():
    async def scenario(world: World):
        world.add_host("a")
        start_nemesis(world, kill(), hosts=["a", "ghost"])

    with pytest.raises(Exception) as info:
        simulate(scenario, seed=1)
    assert "no host named 'ghost'" in repr(info.value)


@pytest.mark.parametrize("count", [1, 2])
def test_partitions_of_too_few_hosts_inject_only_what_makes_sense(count):
    """Two hosts can be split or cut one way; a majority, ring or bridge needs three."""

    async def scenario(world: World):
        for name in SERVERS[:count]:
            world.add_host(name, _appender)
        runs = [
            start_nemesis(world, partition(kind, interval=2), hosts=SERVERS[:count])
            for kind in (
                "random",
                "halves",
                "majority-minority",
                "majorities-ring",
                "bridge",
                "one-way",
            )
        ]
        await world.sleep(5)
        return [run.timeline.counts().get("partition", 0) for run in runs]

    counts = simulate(scenario, seed=3).value
    if count == 1:
        assert counts == [0, 0, 0, 0, 0, 0]
    else:
        assert counts == [2, 2, 0, 0, 0, 2]
