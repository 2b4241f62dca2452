"""The debugger page: self-contained, carries the run, highlights the counterexample."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.runner import run_chaos
from labs.cli import register
from labs.debugger import debug_data_from_chaos, render_debugger
from labs.kit.grading import grade
from labs.registry import STORE


def _data(page: str) -> dict:
    match = re.search(r"const D = (\{.*?\});\n", page, re.S)
    assert match is not None
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_chaos_page_has_lanes_messages_faults_and_culprit() -> None:
    outcome = run_chaos(ChaosConfig(store="unsafe", nemesis="partition", duration=10, seed=1))
    assert outcome.verdict == "anomaly"
    page = render_debugger(debug_data_from_chaos(outcome))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing external
    data = _data(page)
    assert {"n1", "n2", "n3"} <= set(data["nodes"])
    kinds = {e["kind"] for e in data["events"]}
    assert {"send", "deliver"} <= kinds
    assert data["faults"]
    assert any(op["culprit"] for op in data["ops"])
    assert data["replay"].startswith("kubelab chaos run")


def test_failing_check_writes_its_page(tmp_path: Path) -> None:
    report = grade(
        STORE, "labs.store.mutants:open_txn_ignores_compares", only=("txn",), debug_dir=tmp_path
    )
    page = Path(report.checks[0].page)
    assert page.parent == tmp_path
    data = _data(page.read_text())
    assert data["nodes"] == ["client", "store"]
    assert any(op["f"] == "txn" for op in data["ops"])
    assert "--only txn" in data["replay"]
    assert f"debugger: file://{page}" in report.table()


def test_passing_check_writes_no_page(tmp_path: Path) -> None:
    report = grade(STORE, None, only=("txn",), debug_dir=tmp_path)
    assert report.checks[0].page == ""
    assert not list(tmp_path.iterdir())


def test_cli_debug_writes_the_page(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    out = tmp_path / "run.html"
    result = CliRunner().invoke(app, ["lab", "debug", "--out", str(out), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "anomaly: debugger page file://" in result.output
    assert out.is_file()
