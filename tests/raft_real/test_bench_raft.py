"""`kubelab bench store` finds the real-mode Raft store and measures it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.store import bench
from kernel.cli.app import main


def test_the_raft_target_is_available() -> None:
    target = bench.raft_target(3)
    assert target.open is not None, target.unavailable
    assert "3 processes, fsync" in target.description


def test_a_tiny_raft_run_measures_puts_and_gets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json = tmp_path / "bench.json"
    argv = ["bench", "store", "--stores", "memory,raft", "--ops", "40", "--repeats", "1"]
    assert main([*argv, "--clients", "1,4", "--json", str(out_json)]) == 0
    capsys.readouterr()
    rows = json.loads(out_json.read_text())["rows"]
    raft = {(r["clients"], r["phase"]) for r in rows if r["target"] == "raft"}
    assert raft == {(c, p) for c in (1, 4) for p in ("put", "get")}
    assert all(r["ops_per_second"] > 0 for r in rows)
