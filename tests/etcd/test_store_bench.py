"""`kubelab bench store`: a tiny run works and prints its fields; the medians and ratios add up.

Not a timed test: it checks the command runs every available store, reports every field, says
"not available" for a store it cannot start, and turns bad options into one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.store import bench
from components.store.bench import (
    BASELINE,
    PhaseRun,
    Target,
    raft_target,
    run_store_bench,
    summarize,
)
from components.store.memory import open_memory_store
from kernel.cli.app import main


def _run(phase: str, clients: int, ops: int, seconds: float, p50: float, p99: float) -> PhaseRun:
    return PhaseRun(phase, clients, ops, seconds, p50, p99)


def test_summary_takes_medians_and_ratios_to_etcd() -> None:
    runs = {
        ("etcd", 1, "put"): [_run("put", 1, 100, s, p, 2 * p) for s, p in ((1, 1), (2, 3), (4, 2))],
        ("memory", 1, "put"): [_run("put", 1, 100, s, 0.1, 0.2) for s in (0.1, 0.5, 0.25)],
        ("memory", 32, "put"): [_run("put", 32, 100, 1, 0.1, 0.2)],
    }
    rows = {(r.target, r.clients): r for r in summarize(runs, BASELINE)}
    etcd = rows["etcd", 1]
    assert (etcd.ops_per_second, etcd.p50_ms, etcd.p99_ms, etcd.repeats) == (50, 2, 4, 3)
    assert etcd.vs_baseline == 1
    assert rows["memory", 1].ops_per_second == 400
    assert rows["memory", 1].vs_baseline == 8
    assert rows["memory", 32].vs_baseline is None  # no etcd run at 32 clients


async def test_every_put_is_read_back_and_counted() -> None:
    rows = await run_store_bench(
        [Target("memory", "memory", open_memory_store)], clients=(1, 3), ops=30, repeats=2
    )
    assert sorted((r.clients, r.phase, r.repeats) for r in rows) == [
        (1, "get", 2), (1, "put", 2), (3, "get", 2), (3, "put", 2),
    ]  # fmt: skip
    assert all(r.ops_per_second > 0 and 0 < r.p50_ms <= r.p99_ms for r in rows)


def test_a_store_without_its_launcher_is_not_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "RAFT_LAUNCHER", "components.store.no_such_raft:open_it")
    target = raft_target(3)
    assert target.open is None
    assert "components.store.no_such_raft:open_it" in target.unavailable


def test_a_tiny_run_prints_every_store_and_field(
    etcd_binary: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench, "RAFT_LAUNCHER", "components.store.no_such_raft:open_it")
    out_json = tmp_path / "bench.json"
    argv = ["bench", "store", "--ops", "40", "--repeats", "1", "--clients", "1,4"]
    assert main([*argv, "--members", "1", "--compare-clients", "--json", str(out_json)]) == 0
    out, err = capsys.readouterr()
    for field in ("store", "clients", "phase", "ops/s", "p50 ms", "p99 ms", "vs etcd", "httpx"):
        assert field in out
    assert "not available" in out
    assert "[4/4] etcd clients=4 repeat 1/1" in err  # progress goes to stderr
    report = json.loads(out_json.read_text())
    measured = {(r["target"], r["clients"], r["phase"]) for r in report["rows"]}
    assert measured == {
        (t, c, p) for t in ("memory", "etcd") for c in (1, 4) for p in ("put", "get")
    }
    assert all(r["ops_per_second"] > 0 for r in report["rows"])
    assert all(r["vs_baseline"] is not None for r in report["rows"])
    libraries = {(r["target"], r["clients"]) for r in report["client_libraries"]}
    assert libraries == {(lib, c) for lib in ("kubelab", "h11", "httpx") for c in (1, 4)}
    raft = [t for t in report["targets"] if t["name"] == "raft"]
    assert len(raft) == 1
    assert raft[0]["unavailable"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clients", "1,x"], "--clients"),
        (["--clients", "0"], "--clients"),
        (["--stores", "memory,foo"], "--stores"),
        (["--stores", "etcd", "--etcd-endpoints", "http://127.0.0.1:1"], "no etcd endpoint"),
        (
            ["--stores", "etcd", "--etcd-endpoints", "ftp://127.0.0.1:1"],
            "only http:// and https://",
        ),
    ],
)
def test_bad_options_are_one_line_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "store", "--ops", "10", "--repeats", "1", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("kubelab: ")
    assert message in err[-1]
