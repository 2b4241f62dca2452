"""`kubelab chaos run`: verdict lines, exit codes, --seeds tables, files in --out, user errors."""

from __future__ import annotations

import json
import shlex

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fault_injection.chaos import ChaosConfig, run_chaos
from fault_injection.chaos.cli import _exit_code
from fault_injection.checker import Verdict
from kernel.cli.app import main


def test_valid_run_exits_0_and_writes_its_files(tmp_path, capsys) -> None:
    code = main(
        [
            "chaos",
            "run",
            "--store",
            "memory",
            "--nemesis",
            "partition,kill",
            "--duration",
            "6s",
            "--seed",
            "2",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "verdict: valid" in out
    assert "faults injected: kill x1, partition x1" in out
    for name in ("history.jsonl", "timeline.json", "summary.json", "report.html", "checker.html"):
        assert (tmp_path / name).stat().st_size > 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["verdict"] == "valid"
    assert summary["faults"] == {"kill": 1, "partition": 1}
    page = (tmp_path / "report.html").read_text()
    assert page.count("<svg") == 3
    assert "partition" in page
    assert "kill" in page


def test_anomaly_exits_1_and_prints_the_replay_command(capsys) -> None:
    code = main(["chaos", "run", "--store", "unsafe", "--duration", "5s", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "verdict: anomaly" in out
    assert "replay: kubelab chaos run --store unsafe" in out
    assert "--seed 1" in out


def test_unknown_verdict_exits_2() -> None:
    """A check that ran out of time is neither a pass nor an anomaly."""
    run = run_chaos(ChaosConfig(duration=2, seed=1))
    unknown = attrs.evolve(run, result=attrs.evolve(run.result, verdict=Verdict.UNKNOWN))
    assert (run.exit_code, unknown.exit_code, unknown.verdict) == (0, 2, "unknown")
    assert _exit_code([0, 2, 0]) == 2
    assert _exit_code([2, 1]) == 1
    assert _exit_code([0]) == 0


def test_seeds_prints_a_table_and_a_replay_per_failing_seed(capsys) -> None:
    code = main(["chaos", "run", "--store", "unsafe", "--duration", "3s", "--seeds", "4..6"])
    out = capsys.readouterr().out
    assert code == 1
    for seed in (4, 5, 6):
        assert f"--seed {seed}" in out
    assert "0/3 seeds valid" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workload", "queue"], "unknown workload 'queue'"),
        (
            ["--store", "nosuch"],
            "unknown store 'nosuch'; stores that run in the simulator: unsafe, memory, raft",
        ),
        (["--store", "memory", "--bin", "node"], "--store and --bin each name the system"),
        (["--nemesis", "flood"], "flood"),
        (["--seeds", "9..3"], "--seeds range is empty"),
        (["--duration", "soon"], "--duration"),
        (["--clients", "0"], "--clients must be at least 1"),
        (["--store", "etcd"], "cannot run in virtual time"),
        (["--bin", "/nonexistent/node"], "cannot start node program"),
        (["--bogus"], "No such option: --bogus"),
        (["--seed", "many"], "--seed"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_3(capsys, argv: list[str], message: str) -> None:
    """Exit 3, not click's 2: here 2 means the checker could not decide."""
    code = main(["chaos", "run", "--duration", "1s", *argv])
    err = capsys.readouterr().err
    assert code == 3, err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


class _CapturedError(Exception):
    pass


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        ChaosConfig,
        store=st.sampled_from(["memory", "unsafe"]),
        workload=st.sampled_from(["register", "cas", "kv"]),
        nemesis=st.sampled_from(["none", "partition", "kill,pause"]),
        nemesis_interval=st.sampled_from([1.0, 2.5, 5.0]),
        nodes=st.integers(1, 7),
        clients=st.integers(1, 9),
        rate=st.sampled_from([1.0, 10.0, 2.5]),
        timeout=st.sampled_from([0.5, 1.0, 2.0]),
        duration=st.sampled_from([1.0, 30.0, 12.5]),
        recovery=st.sampled_from([0.0, 5.0]),
        liveness=st.sampled_from([3.0, 10.0]),
        latency=st.sampled_from([0.005, 0.02, 0.0012345678, 1e-05]),
        check_timeout=st.sampled_from([60.0, 5.0, 0.25]),
        seed=st.integers(0, 2**40),
    )
)
def test_the_replay_command_rebuilds_the_same_config(config: ChaosConfig) -> None:
    seen: list[ChaosConfig] = []

    def capture(cfg: ChaosConfig, **_: object) -> None:
        seen.append(cfg)
        raise _CapturedError

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("fault_injection.chaos.cli.run_chaos", capture)
        with pytest.raises(_CapturedError):
            main(shlex.split(config.command())[1:])
    assert seen == [config]
