"""A chaos run replays exactly from its seed: the self-check finds no divergence."""

from __future__ import annotations

import pytest

from fault_injection.chaos import ChaosConfig, self_check_chaos

MIX = "partition,kill,pause,clock-skew,duplicate,reorder,disk"


@pytest.mark.parametrize("store", ["memory", "unsafe"])
def test_self_check_of_a_faulty_run(store: str, kubelab_seed: int) -> None:
    report = self_check_chaos(
        ChaosConfig(
            store=store,
            workload="cas",
            nemesis=MIX,
            nemesis_interval=3.0,
            duration=10,
            seed=kubelab_seed,
        )
    )
    assert report.ok, report.describe()
    assert report.events > 500, report.describe()


@pytest.mark.slow
def test_self_check_passes_on_100_seeds() -> None:
    bad = []
    for seed in range(100):
        report = self_check_chaos(
            ChaosConfig(
                store="unsafe",
                workload="cas",
                nemesis=MIX,
                nemesis_interval=1.0,
                duration=10,
                seed=seed,
            )
        )
        if not report.ok:
            bad.append(report.describe())
    assert bad == []
