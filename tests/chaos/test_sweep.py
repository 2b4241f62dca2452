"""Seed sweeps give the same per-seed results wherever they run; the determinism check works."""

from __future__ import annotations

from pathlib import Path

import pytest

from fault_injection.chaos import ChaosConfig
from fault_injection.chaos.sweep import check_determinism, sweep
from kernel.cli.app import main

CONFIG = ChaosConfig(store="memory", nemesis="partition,kill", duration=3.0)


def test_a_process_pool_sweep_matches_the_serial_one_seed_for_seed(tmp_path: Path) -> None:
    seeds = [3, 1, 2]
    serial = sweep(CONFIG, seeds, workers=1)
    pooled = sweep(CONFIG, seeds, workers=2, out=tmp_path)
    assert [r.seed for r in pooled] == seeds  # seed order, whatever finished first
    assert pooled == serial
    assert len({r.digest for r in serial}) == 3
    assert (tmp_path / "seed-2" / "report.html").stat().st_size > 0


def test_a_dask_cluster_sweep_matches_the_local_one() -> None:
    distributed = pytest.importorskip("distributed")
    seeds = [5, 6]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = sweep(CONFIG, seeds, cluster=cluster.scheduler_address)
    assert remote == sweep(CONFIG, seeds, workers=1)


def test_the_determinism_check_passes_a_replaying_run_and_catches_a_hash_ordered_one() -> None:
    good = check_determinism(CONFIG, [4])
    assert [r.deterministic for r in good] == [True]
    flaky = ChaosConfig(program="tests.chaos.hosted_nodes:hash_ordered_leader", duration=2.0)
    results = check_determinism(flaky, [0, 1, 2, 3], workers=2)
    assert not all(r.deterministic for r in results)


def test_check_determinism_on_the_cli_prints_a_table_and_exits_0(capsys) -> None:
    code = main(["chaos", "run", "--duration", "2s", "--seeds", "1..2", "--check-determinism"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2/2 seeds deterministic" in out


def test_store_raft_runs_the_raft_member_program_in_the_simulator(capsys) -> None:
    argv = ["chaos", "run", "--store", "raft", "--workload", "kv", "--nemesis", "partition"]
    code = main([*argv, "--duration", "4s", "--seed", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "verdict: valid" in out


def test_an_unreachable_dask_scheduler_is_one_line(capsys) -> None:
    pytest.importorskip("distributed")
    argv = ["chaos", "run", "--duration", "1s", "--seeds", "1..2", "--cluster", "tcp://127.0.0.1:9"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 3
    assert "--cluster tcp://127.0.0.1:9: cannot reach the Dask scheduler" in err
    assert len(err.strip().splitlines()) == 1
