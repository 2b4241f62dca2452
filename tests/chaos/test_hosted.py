"""Node programs written against kernel.hosting run under the harness (--program)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fault_injection.chaos import ChaosConfig, run_chaos
from fault_injection.checker import CasRegisterModel
from kernel.cli.app import main

DURABLE = "hosted_nodes:durable_leader"
FORGETFUL = "hosted_nodes:forgetful_leader"


@pytest.fixture(autouse=True)
def _importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))


def test_a_durable_hosted_node_survives_kills(sim, check_linearizable) -> None:
    run = sim.chaos(
        program=DURABLE, workload="cas", nemesis="kill,partition", duration=15, nemesis_interval=3.0
    )
    assert run.system == f"program {DURABLE}"
    check_linearizable(run.history, CasRegisterModel())
    assert run.live


def test_a_node_that_does_not_fsync_is_caught() -> None:
    codes = [
        run_chaos(
            ChaosConfig(
                program=FORGETFUL,
                workload="cas",
                nemesis="kill",
                nemesis_interval=3.0,
                duration=15,
                seed=s,
            )
        ).exit_code
        for s in range(5)
    ]
    assert 1 in codes


def test_program_errors_are_one_line(capsys) -> None:
    assert main(["chaos", "run", "--program", "nosuchmodule:main", "--duration", "1s"]) == 3
    assert "cannot load it" in capsys.readouterr().err
    assert main(["chaos", "run", "--program", "json:dumps", "--duration", "1s"]) == 3
    assert "async def main(host: NodeHost)" in capsys.readouterr().err
