"""Network semantics: latency, loss, duplication, reordering, statistics, partitions in flight."""

from __future__ import annotations

import pytest

from fault_injection.sim import (
    Constant,
    Exponential,
    LinkConfig,
    LinkFaults,
    Message,
    Process,
    Uniform,
    World,
    isolate,
    one_way,
    simulate,
)


def _sink(log: list[tuple[float, Message]]):
    def boot(proc: Process) -> None:
        proc.on_message(lambda m: log.append((proc.now(), m)))

    return boot


def _blast(world: World, n: int, dst: str = "b", src: str = "a") -> None:
    proc = world.host(src).process
    assert proc is not None
    for i in range(n):
        world.call_at(i * 0.01, proc.send, dst, i)


def _run_link(config: LinkConfig, seed: int, n: int = 500):
    async def scenario(world: World):
        log: list[tuple[float, Message]] = []
        world.add_host("a")
        world.add_host("b", _sink(log))
        world.net.configure("a", "b", config)
        _blast(world, n)
        await world.sleep(n * 0.01 + 10)
        return log, world.net.statistics("a", "b")

    return simulate(scenario, seed=seed).value


def test_constant_latency_delivers_in_order_after_exactly_the_delay():
    log, stats = _run_link(LinkConfig(latency=Constant(0.25)), seed=1, n=50)
    assert [m.payload for _, m in log] == list(range(50))
    assert all(t - m.sent_at == pytest.approx(0.25) for t, m in log)
    assert (stats.sent, stats.delivered, stats.dropped, stats.duplicated) == (50, 50, 0, 0)
    assert stats.reordered == 0


def test_uniform_latency_stays_within_bounds():
    log, _ = _run_link(LinkConfig(latency=Uniform(0.1, 0.3)), seed=2)
    delays = [t - m.sent_at for t, m in log]
    assert min(delays) >= 0.1 - 1e-9
    assert max(delays) <= 0.3 + 1e-9
    assert 0.18 < sum(delays) / len(delays) < 0.22


def test_exponential_latency_has_its_floor_and_mean():
    log, _ = _run_link(LinkConfig(latency=Exponential(0.05, minimum=0.01)), seed=3, n=2000)
    delays = [t - m.sent_at for t, m in log]
    assert min(delays) >= 0.01 - 1e-9
    assert 0.045 < sum(delays) / len(delays) < 0.055
    # a long tail: exponential delays exceed the spacing between sends, so some reorder
    assert _run_link(LinkConfig(latency=Exponential(0.05)), seed=3)[1].reordered > 0


def test_latency_distributions_reject_nonsense():
    with pytest.raises(ValueError, match="low <= high"):
        Uniform(0.3, 0.1)
    with pytest.raises(ValueError, match="seconds"):
        Constant(-1)
    with pytest.raises(ValueError, match="probability"):
        LinkConfig(loss=1.5)


def test_loss_duplication_and_reordering_counts_are_deterministic_per_seed():
    config = LinkConfig(
        latency=Constant(0.005), loss=0.1, duplicate=0.1, reorder=0.2, reorder_window=0.1
    )
    log1, s1 = _run_link(config, seed=7)
    log2, s2 = _run_link(config, seed=7)
    _, s3 = _run_link(config, seed=8)
    assert s1 == s2
    assert [(t, m.id) for t, m in log1] == [(t, m.id) for t, m in log2]
    assert s1 != s3
    assert 25 < s1.dropped < 80  # ~10% of 500
    assert 25 < s1.duplicated < 80
    assert s1.reordered > 10
    # every copy is accounted for: delivered + dropped = sent + duplicated
    assert s1.delivered + s1.dropped == s1.sent + s1.duplicated
    assert len(log1) == s1.delivered


def test_network_wide_fault_floors_apply_to_every_link_and_clear():
    async def scenario(world: World):
        log: list = []
        world.add_host("a")
        world.add_host("b", _sink(log))
        world.net.set_faults(LinkFaults(loss=1.0))
        _blast(world, 10)
        await world.sleep(1)
        world.net.set_faults(LinkFaults())
        world.host("a").process.send("b", "after")
        await world.sleep(1)
        return [m.payload for _, m in log]

    assert simulate(scenario, seed=1).value == ["after"]


def test_partition_drops_at_send_and_in_flight_and_heal_restores():
    async def scenario(world: World):
        log: list = []
        world.add_host("a")
        world.add_host("b", _sink(log))
        world.net.configure("a", "b", LinkConfig(latency=Constant(1.0)))
        a = world.host("a").process
        a.send("b", "in-flight")
        await world.sleep(0.5)
        p = world.net.partition(isolate("b", world.host_names))
        a.send("b", "during")
        await world.sleep(1)
        world.net.unpartition(p)
        a.send("b", "after")
        await world.sleep(2)
        return [m.payload for _, m in log], world.net.statistics("a", "b")

    payloads, stats = simulate(scenario, seed=1).value
    assert payloads == ["after"]
    assert stats.dropped == 2


def test_one_way_partition_blocks_only_one_direction():
    async def scenario(world: World):
        got: dict[str, list] = {"a": [], "b": []}
        for name in ("a", "b"):
            world.add_host(name, lambda p, n=name: p.on_message(lambda m: got[n].append(m.payload)))
        world.net.partition(one_way(["b"], ["a"]))  # a reaches b; b does not reach a
        world.host("a").process.send("b", "a->b")
        world.host("b").process.send("a", "b->a")
        await world.sleep(1)
        return got

    assert simulate(scenario, seed=1).value == {"a": [], "b": ["a->b"]}


def test_sending_to_an_unknown_host_names_the_known_ones():
    async def scenario(world: World):
        world.add_host("a")
        world.host("a").process.send("nope", 1)

    with pytest.raises(Exception) as info:
        simulate(scenario, seed=1)
    assert "no host named 'nope'" in repr(info.value.exceptions[0])
