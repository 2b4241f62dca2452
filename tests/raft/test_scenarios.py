"""Scripted scenarios with golden output: tests/raft/testdata/*.txt.

Rewrite the expected output after an intended change with
``KUBELAB_REWRITE=1 python -m pytest tests/raft/test_scenarios.py`` and review the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from components.store.raft.harness.script import REWRITE_ENV, Interpreter, parse, run_file

TESTDATA = Path(__file__).parent / "testdata"
SCRIPTS = sorted(TESTDATA.glob("*.txt"))


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_scenario(path: Path) -> None:
    expected, actual = run_file(path)
    if expected != actual:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                "expected",
                "actual",
            )
        )
        pytest.fail(f"{path.name} differs (set {REWRITE_ENV}=1 to rewrite):\n{diff}")


def test_scripts_exist() -> None:
    assert len(SCRIPTS) >= 8


def test_parser_rejects_missing_separator() -> None:
    with pytest.raises(ValueError, match="expected '----'"):
        parse("campaign 1\nok\n")


def test_unknown_command_is_named() -> None:
    with pytest.raises(ValueError, match="unknown command 'campain'"):
        Interpreter().run("campain 1")
