"""The store lab's proof: the reference gets 100, the skeleton 0, every mutant loses points."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from labs.cli import register
from labs.kit.batch import grade_batch
from labs.kit.grading import grade
from labs.registry import STORE

SKELETON = str(STORE.folder / "skeleton")
CATCHES = {
    "labs.store.mutants:open_no_more": "kv",
    "labs.store.mutants:open_txn_ignores_compares": "txn",
    "labs.store.mutants:open_watch_from_now": "watch",
    "labs.store.mutants:open_old_reads_see_now": "history",
}


def test_reference_gets_full_marks() -> None:
    report = grade(STORE, None)
    assert report.full_marks, report.table()
    assert report.points == 100


def test_skeleton_gets_zero() -> None:
    report = grade(STORE, SKELETON)
    assert report.earned == 0, report.table()
    for check in report.checks:
        assert "ot implemented" in check.message.replace("NotImplementedError", "not implemented")


def test_every_mutant_is_declared_and_caught() -> None:
    assert set(CATCHES) == set(STORE.mutants)
    assert len(STORE.mutants) >= 3
    for mutant, check in CATCHES.items():
        report = grade(STORE, mutant, only=(check,))
        assert report.earned == 0, f"{mutant} passed {check}"
        assert report.checks[0].replay.endswith(f"--impl {mutant} --seed 0 --only {check}")


def test_busy_loop_costs_one_check_only(tmp_path: Path) -> None:
    (tmp_path / "mystore.py").write_text(
        "from components.store.memory import open_memory_store as _open\n"
        "def open_my_store(**kw):\n    while True:\n        pass\n"
    )
    lab = STORE.__class__(
        **{
            **_fields(STORE),
            "checks": tuple(
                c.__class__(**{**_fields(c), "budget_s": 3.0}) for c in STORE.checks[:1]
            ),
        }
    )
    report = grade(lab, str(tmp_path))
    assert report.checks[0].outcome == "timeout", report.table()


def _fields(obj: object) -> dict[str, object]:
    import attrs

    return attrs.asdict(obj, recurse=False)  # type: ignore[arg-type]


def _submission(root: Path, name: str, target: str) -> None:
    folder = root / name
    folder.mkdir()
    module, attr = target.split(":")
    (folder / "mystore.py").write_text(f"from {module} import {attr} as open_my_store\n")


@pytest.mark.slow
def test_batch_gradebook_of_reference_skeleton_and_mutants(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    _submission(subs, "ref", STORE.reference)
    (subs / "skel").mkdir()
    (subs / "skel" / "mystore.py").write_text((Path(SKELETON) / "mystore.py").read_text())
    (subs / "empty").mkdir()  # no mystore.py: that row scores 0, the rest are unaffected
    for i, mutant in enumerate(STORE.mutants):
        _submission(subs, f"mutant{i}", mutant)
    rows = {r["submission"]: r for r in grade_batch(STORE, subs, tmp_path / "out")}
    assert rows["ref"]["earned"] == 100
    assert rows["skel"]["earned"] == 0
    assert rows["empty"]["earned"] == 0
    for i in range(len(STORE.mutants)):
        assert 0 < rows[f"mutant{i}"]["earned"] < 100
    book = json.loads((tmp_path / "out" / "gradebook.json").read_text())
    assert len(book["rows"]) == len(rows)
    with (tmp_path / "out" / "gradebook.csv").open() as fh:
        assert {r["submission"]: int(r["earned"]) for r in csv.DictReader(fh)}["ref"] == 100


def test_cli_list_start_grade(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    listed = runner.invoke(app, ["lab", "list"])
    assert "store" in listed.output
    assert "100 points" in listed.output
    work = tmp_path / "mywork"
    started = runner.invoke(app, ["lab", "start", "store", str(work)])
    assert started.exit_code == 0, started.output
    assert (work / "mystore.py").read_text() == (Path(SKELETON) / "mystore.py").read_text()
    assert (work / "README.md").is_file()
    graded = runner.invoke(
        app, ["lab", "grade", "store", "--impl", str(work), "--only", "txn", "--json"]
    )
    assert graded.exit_code == 1
    result = json.loads(graded.output)[0]
    assert result["earned"] == 0
    assert result["checks"][0]["replay"].startswith("kubelab lab grade")
    bad = runner.invoke(app, ["lab", "grade", "nosuch"])
    assert bad.exit_code != 0
