"""The chaos runner: correct stores pass, the unsafe store is caught and its replay reproduces."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import AsyncIterator

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fault_injection.chaos import EXIT_ANOMALY, EXIT_VALID, ChaosConfig, run_chaos
from fault_injection.chaos.cli import save
from fault_injection.checker import CasRegisterModel, KvModel, RegisterModel, Verdict
from fault_injection.nemesis import NEMESIS_NAMES
from fault_injection.sim import Process, World
from fault_injection.workloads import KeyedCasRegisterModel
from kernel.cli.app import main

NEMESES = [n for n in NEMESIS_NAMES if n != "none"]
MODELS = {
    "register": RegisterModel,
    "cas": CasRegisterModel,
    "kv": KvModel,
    "store": KvModel,
    "lin-kv": KeyedCasRegisterModel,
}


@pytest.mark.parametrize("nemesis", NEMESES)
def test_memory_store_is_linearizable_and_live_under_every_nemesis(
    sim, check_linearizable, nemesis: str
) -> None:
    run = sim.chaos(
        store="memory", workload="cas", nemesis=nemesis, duration=10, nemesis_interval=2.0
    )
    assert run.timeline.counts(), "the nemesis injected nothing"
    check_linearizable(run.history, CasRegisterModel())
    assert run.live, run.missing_final
    assert run.exit_code == EXIT_VALID


@pytest.mark.parametrize("workload", ["register", "kv", "store", "lin-kv"])
def test_memory_store_passes_every_workload(sim, check_linearizable, workload: str) -> None:
    run = sim.chaos(store="memory", workload=workload, nemesis="partition,kill", duration=10)
    check_linearizable(run.history, MODELS[workload]())
    assert run.counts()["ok"] > 100


@pytest.mark.slow
@pytest.mark.parametrize("nemesis", NEMESES)
def test_memory_store_passes_200_seeds(nemesis: str) -> None:
    bad = [
        s
        for s in range(200)
        if run_chaos(
            ChaosConfig(
                store="memory",
                workload="cas",
                nemesis=nemesis,
                duration=10,
                nemesis_interval=2.0,
                seed=s,
            )
        ).exit_code
    ]
    assert bad == []


def test_unsafe_store_is_caught_within_20_seeds_and_replays(tmp_path, capsys) -> None:
    caught = None
    for seed in range(20):
        run = run_chaos(
            ChaosConfig(
                store="unsafe", workload="register", nemesis="partition", duration=10, seed=seed
            )
        )
        if run.exit_code == EXIT_ANOMALY:
            caught = run
            break
    assert caught is not None, "the unsafe store passed 20 seeds"
    assert caught.result.verdict is Verdict.ILLEGAL
    save(caught, tmp_path / "first")
    argv = shlex.split(caught.replay_command())
    assert argv[:3] == ["kubelab", "chaos", "run"]
    assert main([*argv[1:], "--out", str(tmp_path / "replay")]) == EXIT_ANOMALY
    first = (tmp_path / "first" / "history.jsonl").read_bytes()
    assert (tmp_path / "replay" / "history.jsonl").read_bytes() == first


def test_a_run_is_a_function_of_its_seed() -> None:
    cfg = ChaosConfig(
        store="unsafe", workload="cas", nemesis="partition,pause,duplicate", duration=8, seed=11
    )
    a, b = run_chaos(cfg), run_chaos(cfg)
    assert a.trace_digest == b.trace_digest
    assert a.history == b.history
    c = run_chaos(attrs.evolve(cfg, seed=12))
    assert c.trace_digest != a.trace_digest


class _BlackHole:
    """A system whose nodes never answer: the run must be judged not live."""

    label = "black hole"

    @contextlib.asynccontextmanager
    async def open(self, world: World, nodes: list[str]) -> AsyncIterator[None]:
        def boot(proc: Process) -> None:
            proc.on_message(lambda msg: None)

        for node in nodes:
            world.add_host(node, boot)
        yield


def test_a_system_that_never_answers_is_not_live() -> None:
    run = run_chaos(
        ChaosConfig(workload="register", duration=3, liveness=2, seed=1), system=_BlackHole()
    )
    assert not run.live
    assert run.verdict == "not-live"
    assert run.exit_code == EXIT_ANOMALY
    counts = run.counts()
    assert counts["ok"] == 0
    assert counts["fail"] > 0


def test_writes_that_time_out_are_recorded_info() -> None:
    run = run_chaos(
        ChaosConfig(workload="cas", duration=3, liveness=1, seed=2), system=_BlackHole()
    )
    infos = {op.f for op in run.history.operations if op.outcome.value == "info"}
    fails = {op.f for op in run.history.operations if op.outcome.value == "fail"}
    assert infos <= {"write", "cas"}
    assert infos
    assert fails == {"read"}


@settings(max_examples=12, deadline=None)
@given(
    faults=st.lists(st.sampled_from(NEMESES), min_size=1, max_size=3, unique=True),
    nodes=st.integers(1, 5),
    clients=st.integers(1, 6),
    interval=st.sampled_from([1.0, 2.0, 3.0]),
    seed=st.integers(0, 2**31),
)
def test_memory_store_passes_generated_fault_scenarios(
    faults: list[str], nodes: int, clients: int, interval: float, seed: int
) -> None:
    """Hypothesis draws the scenario; each example is one seeded simulation."""
    run = run_chaos(
        ChaosConfig(
            store="memory",
            workload="cas",
            nemesis=",".join(faults),
            nemesis_interval=interval,
            nodes=nodes,
            clients=clients,
            duration=6,
            seed=seed,
        )
    )
    assert run.exit_code == EXIT_VALID, (run.verdict, run.replay_command())


def test_a_reused_system_replays_each_seed_as_a_fresh_one_does() -> None:
    from fault_injection.chaos.runner import build_system

    config = ChaosConfig(store="memory", workload="cas", nemesis="partition", duration=6.0)
    shared = build_system(config)
    first = run_chaos(attrs.evolve(config, seed=1), system=shared)
    reused = run_chaos(attrs.evolve(config, seed=2), system=shared)
    fresh = run_chaos(attrs.evolve(config, seed=2))
    assert first.verdict == reused.verdict == fresh.verdict
    assert reused.trace_digest == fresh.trace_digest
