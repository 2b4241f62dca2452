"""Control-plane faults in the simulator: a partitioned Lease holder, a killed API host.

Clients and API servers live on different simulated hosts and talk HTTP/1.1 over the
simulated network, so the world's partitions and kills act on the API traffic itself:
a partitioned holder cannot renew and its Lease expires (another candidate takes it), heals
and renews; a client given two API servers keeps working when the first one's host dies, its
informer resuming on the second. Same seed, same trace digest.
Replay a failure with ``pytest tests/sim/test_api_ha.py -k <name>`` (the seeds are fixed).
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import trio

from fault_injection.sim import World, isolate, simulate
from fault_injection.sim.env import SimEnv
from kernel.api.errors import AlreadyExists
from kernel.client import APIConnectionError, HTTPClient
from kernel.client.env_http import open_env_http_client
from kernel.client.leader_election import LeaderElector
from kernel.env import EnvTimers
from kernel.informer import Informer
from kernel.objects import ConfigMap, Lease, parse_time
from tests.sim.api_world import API_URLS, add_api_hosts, add_client_host, config_map, open_store

SEED = 23
LEASE = "kube-controller-manager"
PARTITION_AT, HEAL_AT, END = 20.0, 60.0, 100.0
"""When the holder is cut off, when the partition heals, when the run ends (virtual s)."""


@attrs.define
class Sample:
    """What an observer beside the API server saw of the Lease at one moment."""

    t: float
    wall: float
    """The observer's wall clock (the hosts' clocks agree in this world)."""
    holder: str
    renewed: float
    """renewTime as epoch seconds."""
    transitions: int
    leaders: tuple[str, ...]
    """Candidates that believed they led at that moment."""


async def _elect(env: SimEnv, identity: str, electors: dict[str, LeaderElector]) -> None:
    async with open_env_http_client(env, API_URLS[0], timeout=5, connect_timeout=5) as client:
        elector = LeaderElector(
            client,
            LEASE,
            identity,
            lease_duration=15,
            renew_deadline=10,
            retry_period=2,
            clock=env.clock,
            timers=EnvTimers(env),
        )
        electors[identity] = elector
        await elector.run()


def _lease_run(
    candidates: tuple[str, ...], seed: int = SEED, fault: str = "partition"
) -> list[Sample]:
    """Candidates on hosts of their own; the first is partitioned (or paused) from
    PARTITION_AT to HEAL_AT."""
    samples: list[Sample] = []
    electors: dict[str, LeaderElector] = {}

    async def observe(env: SimEnv) -> None:
        async with open_env_http_client(env, API_URLS[0]) as client:
            while True:
                await env.sleep(1)
                try:
                    lease = await client.get(Lease, LEASE, "kube-system")
                except Exception:
                    continue
                spec = lease.spec
                leaders = tuple(sorted(i for i, e in electors.items() if e.is_leader))
                renewed = parse_time(str(spec.renew_time)).timestamp()
                samples.append(
                    Sample(
                        env.monotonic(),
                        env.wall(),
                        spec.holder_identity or "",
                        renewed,
                        spec.lease_transitions or 0,
                        leaders,
                    )
                )

    async def scenario(world: World) -> None:
        async with open_store() as store:
            add_api_hosts(world, store)
            add_client_host(world, "observer", 100, observe)
            for index, identity in enumerate(candidates, start=1):
                await world.sleep(1)  # the first candidate wins the first round
                add_client_host(
                    world, identity, index, lambda env, i=identity: _elect(env, i, electors)
                )
            await world.sleep(PARTITION_AT - world.now())
            if fault == "pause":
                world.pause(candidates[0])
            else:
                part = world.net.partition(isolate(candidates[0], world.host_names))
            await world.sleep(HEAL_AT - world.now())
            if fault == "pause":
                world.resume(candidates[0])
            else:
                world.net.unpartition(part)
            await world.sleep(END - world.now())

    simulate(scenario, seed=seed)
    return samples


def _during(samples: list[Sample], start: float, end: float) -> list[Sample]:
    return [s for s in samples if start <= s.t < end]


def test_a_partitioned_holder_lets_its_lease_expire_then_renews_after_the_heal() -> None:
    samples = _lease_run(("a",))
    before = _during(samples, 10, PARTITION_AT)
    assert {(s.holder, s.leaders) for s in before} == {("a", ("a",))}
    assert before[-1].renewed > before[0].renewed  # renewing every retry period
    cut = _during(samples, PARTITION_AT + 11, HEAL_AT)  # past renew_deadline: stepped down
    assert {s.leaders for s in cut} == {()}
    assert len({s.renewed for s in cut}) == 1  # no renewal reached the server
    last_renewal = cut[0].renewed
    expired = [s for s in cut if s.wall - s.renewed > 15]  # leaseDurationSeconds
    assert expired, "the Lease never went unrenewed for leaseDurationSeconds"
    after = _during(samples, HEAL_AT + 5, END)
    assert {(s.holder, s.leaders, s.transitions) for s in after} == {("a", ("a",), 0)}
    assert after[-1].renewed > last_renewal + (HEAL_AT - PARTITION_AT) - 5  # renewing again


def test_another_candidate_takes_the_lease_of_a_partitioned_holder() -> None:
    samples = _lease_run(("a", "b"))
    assert {s.holder for s in _during(samples, 10, PARTITION_AT)} == {"a"}
    assert all(len(s.leaders) <= 1 for s in samples), "two leaders at once"
    takeover = next(s for s in samples if s.holder == "b")
    # the Lease is taken only once it went leaseDurationSeconds without a renewal
    assert PARTITION_AT + 15 <= takeover.t <= PARTITION_AT + 15 + 2 * 2 + 2
    after = _during(samples, HEAL_AT + 5, END)
    assert {(s.holder, s.leaders, s.transitions) for s in after} == {("b", ("b",), 1)}


def test_a_paused_leader_steps_down_on_resume_and_the_other_keeps_the_lease() -> None:
    samples = _lease_run(("a", "b"), fault="pause")
    assert {s.holder for s in _during(samples, 10, PARTITION_AT)} == {"a"}
    # a frozen process cannot act on its stale belief; outside the pause there is one leader
    awake = [s for s in samples if not PARTITION_AT <= s.t < HEAL_AT + 1]
    assert all(len(s.leaders) <= 1 for s in awake), "two leaders at once"
    takeover = next(s for s in samples if s.holder == "b")
    assert PARTITION_AT + 15 <= takeover.t <= PARTITION_AT + 15 + 2 * 2 + 2
    after = _during(samples, HEAL_AT + 1, END)
    assert {(s.holder, s.leaders) for s in after} == {("b", ("b",))}


KILL_AT, WRITES = 10.0, 30


@attrs.define
class FailoverOutcome:
    """What a client configured with both API servers saw while the first one's host died."""

    created: list[tuple[float, str]] = attrs.field(factory=list)
    """(virtual time, name) of each create known to have happened."""
    cached: list[str] = attrs.field(factory=list)
    """The informer's ConfigMap names at the end."""
    watches: int = 0
    digest: str = ""
    failovers: list[Any] = attrs.field(factory=list)


def _failover_run(seed: int = SEED) -> FailoverOutcome:
    outcome = FailoverOutcome()

    async def client_main(env: SimEnv) -> None:
        async with open_env_http_client(
            env, list(API_URLS), timeout=5, connect_timeout=5
        ) as client:
            informer = Informer(client, ConfigMap, "default", timers=EnvTimers(env))
            async with trio.open_nursery() as nursery:
                await nursery.start(informer.run)
                for i in range(WRITES):
                    await _create(client, f"cm-{i}")
                    outcome.created.append((env.monotonic(), f"cm-{i}"))
                    await env.sleep(1)
                await env.sleep(5)
                outcome.cached = sorted(c.metadata.name or "" for c in informer.cache.list())
                outcome.watches = informer.statistics().watches
                nursery.cancel_scope.cancel()

    async def scenario(world: World) -> None:
        async with open_store() as store:
            add_api_hosts(world, store, 2)
            await world.sleep(0.5)
            add_client_host(world, "c", 1, client_main)
            await world.sleep(KILL_AT)
            world.crash("api-1")  # not restarted
            await world.sleep(120)

    result = simulate(scenario, seed=seed)
    outcome.digest = result.trace.digest()
    outcome.failovers = [
        e.details for e in result.trace.of_kind("record") if e.details[1] == "api-failover"
    ]
    return outcome


async def _create(client: HTTPClient, name: str) -> None:
    """Create `name`, retrying after failures (an indefinite one may have created it)."""
    while True:
        try:
            await client.create(config_map(name))
            return
        except AlreadyExists:
            return
        except APIConnectionError:
            await trio.sleep(1)


def test_a_client_fails_over_to_the_second_api_server_when_the_first_host_dies() -> None:
    outcome = _failover_run()
    names = [f"cm-{i}" for i in range(WRITES)]
    assert [name for _, name in outcome.created] == names
    assert outcome.cached == sorted(names)  # the informer resumed on api-2: nothing missed
    assert outcome.watches >= 2
    assert [d[2] for d in outcome.failovers] == [("10.0.0.1:6443", "10.0.0.2:6443")]
    times = [t for t, _ in outcome.created]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < 1 + 5 + 1  # at most one connect timeout lost to the dead host


def test_the_same_seed_replays_the_same_trace_and_another_seed_differs() -> None:
    first, again, other = _failover_run(), _failover_run(), _failover_run(SEED + 1)
    assert first.digest == again.digest
    assert first.created == again.created
    assert other.digest != first.digest
