"""The pytest plugin: fixtures, a stable per-test seed, --kubelab-seed, replay on failure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from fault_injection.checker import HistoryWriter, RegisterModel


def _pytest(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_sample.py"
    test.write_text(textwrap.dedent(source))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SEED_PRINTER = """
    async def wait(world):
        await world.sleep(1)
        return world.now()

    def test_seed(sim):
        print("SEED", sim.seed)
        assert sim.run(wait).value == 1.0
"""


def test_kubelab_seed_option_sets_the_seed(tmp_path) -> None:
    res = _pytest(tmp_path, SEED_PRINTER, "-s", "--kubelab-seed", "4242")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SEED 4242" in res.stdout


def test_default_seed_is_stable_per_test(tmp_path) -> None:
    first = _pytest(tmp_path, SEED_PRINTER, "-s").stdout
    second = _pytest(tmp_path, SEED_PRINTER, "-s").stdout
    seeds = [line for line in first.splitlines() if line.startswith("SEED")]
    assert seeds
    assert seeds == [line for line in second.splitlines() if line.startswith("SEED")]


def test_a_failing_simulation_test_prints_its_replay(tmp_path) -> None:
    res = _pytest(
        tmp_path,
        """
        from fault_injection.checker import RegisterModel

        def test_unsafe(sim, check_linearizable):
            run = sim.chaos(store="unsafe", duration=5)
            check_linearizable(run.history, RegisterModel())
    """,
        "--kubelab-seed",
        "7",
    )
    assert res.returncode == 1
    assert "history is illegal" in res.stdout
    assert "--kubelab-seed 7" in res.stdout


def test_history_fixture_and_check_helper(history: HistoryWriter, check_linearizable) -> None:
    history.invoke(1, "write", 3, time=0.0)
    history.ok(1, time=1.0)
    history.invoke(2, "read", None, time=2.0)
    history.ok(2, 3, time=3.0)
    result = check_linearizable(history, RegisterModel())
    assert result.verdict.value == "ok"


def test_nemesis_fixture_parses_cli_specs(nemesis) -> None:
    composite = nemesis("partition,kill", interval=4.0)
    assert [part.fault.name for part in composite.parts] == ["partition", "kill"]
