"""Any-language nodes: the example Maelstrom lin-kv node runs unchanged under kubelab chaos."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fault_injection.chaos import ChaosConfig, run_chaos, self_check_chaos
from fault_injection.maelstrom import decode, encode, is_definite
from fault_injection.maelstrom.protocol import ProtocolError
from fault_injection.workloads import KeyedCasRegisterModel
from kernel.cli.app import main

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "maelstrom_lin_kv.py"
BIN = f"{sys.executable} {EXAMPLE}"


def test_error_codes_keep_maelstroms_definite_meaning() -> None:
    assert not is_definite(0)  # timeout: may have happened
    assert not is_definite(13)  # crash
    assert is_definite(11)
    assert is_definite(20)
    assert is_definite(22)
    assert not is_definite(1234)  # custom codes: assume the worst


def test_protocol_lines_round_trip_and_bad_lines_are_named() -> None:
    line = encode("c1", "n1", {"type": "read", "key": 1, "msg_id": 3})
    assert decode(line) == ("c1", "n1", {"type": "read", "key": 1, "msg_id": 3})
    with pytest.raises(ProtocolError, match="not JSON"):
        decode("hello")
    with pytest.raises(ProtocolError, match='"type"'):
        decode('{"src": "a", "dest": "b", "body": {}}')


def test_example_node_is_linearizable_under_partitions(sim, check_linearizable) -> None:
    run = sim.chaos(bin=BIN, workload="lin-kv", nemesis="partition", duration=8)
    assert run.system.startswith("bin ")
    assert run.timeline.counts() == {"partition": 1}
    check_linearizable(run.history, KeyedCasRegisterModel())
    assert run.live


def test_example_node_runs_from_the_cli(capsys) -> None:
    code = main(
        [
            "chaos",
            "run",
            "--bin",
            BIN,
            "--workload",
            "lin-kv",
            "--nemesis",
            "pause",
            "--duration",
            "5s",
            "--seed",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().out


def test_killing_the_example_leader_loses_writes_and_is_caught() -> None:
    run = run_chaos(ChaosConfig(bin=BIN, workload="lin-kv", nemesis="kill", duration=20, seed=5))
    assert run.exit_code == 1


def test_example_node_replays_from_its_seed() -> None:
    report = self_check_chaos(
        ChaosConfig(bin=BIN, workload="lin-kv", nemesis="partition,pause", duration=5, seed=4)
    )
    assert report.ok, report.describe()
