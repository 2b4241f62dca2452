"""pytest plugin `kubelab`: fixtures for simulated-world tests, and `--kubelab-seed` to replay.

    def test_register_survives_partitions(sim, check_linearizable):
        run = sim.chaos(store="memory", workload="cas", nemesis="partition", duration=20)
        check_linearizable(run.history, run.model)

Each test gets a seed: `--kubelab-seed N` if given, otherwise one derived from the test's id
(stable across runs and machines). A failing test that used `sim` prints the command that
replays it. Heavy imports happen inside the fixtures, so loading the plugin costs nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fault_injection.chaos import ChaosOutcome
    from fault_injection.checker import CheckResult, History, HistoryWriter, Model
    from fault_injection.nemesis import Composite
    from fault_injection.sim import SimulationResult, World


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add `--kubelab-seed`."""
    parser.addoption(
        "--kubelab-seed",
        type=int,
        default=None,
        help="seed for every kubelab simulation in the run (replays a failure)",
    )


def _default_seed(nodeid: str) -> int:
    return int.from_bytes(hashlib.sha256(nodeid.encode()).digest()[:4], "big")


class SimHarness:
    """The `sim` fixture: this test's seed and shortcuts that run seeded simulations."""

    def __init__(self, seed: int, nodeid: str) -> None:
        self.seed = seed
        """The seed every run started from this fixture uses."""
        self.nodeid = nodeid

    @property
    def replay(self) -> str:
        """The pytest command that replays this test with this seed."""
        return f"pytest '{self.nodeid}' --kubelab-seed {self.seed}"

    def run(self, scenario: Callable[[World], Any], **kwargs: Any) -> SimulationResult[Any]:
        """`simulate(scenario, seed=self.seed, **kwargs)`: a fresh world in virtual time."""
        from fault_injection.sim import simulate

        return simulate(scenario, seed=self.seed, **kwargs)

    def chaos(self, **config: Any) -> ChaosOutcome:
        """A `run_chaos` run with this seed; keyword arguments are `ChaosConfig` fields."""
        from fault_injection.chaos import ChaosConfig, run_chaos

        return run_chaos(ChaosConfig(**{"seed": self.seed, **config}))


@pytest.fixture
def kubelab_seed(request: pytest.FixtureRequest) -> int:
    """The seed of the test: `--kubelab-seed`, or a stable one derived from the test id."""
    given = request.config.getoption("--kubelab-seed")
    return _default_seed(request.node.nodeid) if given is None else int(given)


@pytest.fixture
def sim(request: pytest.FixtureRequest, kubelab_seed: int) -> SimHarness:
    """Run seeded simulations (`sim.run(scenario)`, `sim.chaos(...)`); replay on failure."""
    harness = SimHarness(kubelab_seed, request.node.nodeid)
    request.node.kubelab_harness = harness
    return harness


@pytest.fixture
def nemesis() -> Callable[..., Composite]:
    """Build a nemesis from a CLI spec: ``nemesis("partition,kill", interval=5)``."""
    from fault_injection.nemesis import parse_nemesis

    return parse_nemesis


@pytest.fixture
def history() -> Iterator[HistoryWriter]:
    """An in-memory `HistoryWriter`; `history.history()` gives the recorded `History`."""
    from fault_injection.checker import HistoryWriter

    writer = HistoryWriter(None)
    yield writer
    writer.close()


@pytest.fixture
def check_linearizable(request: pytest.FixtureRequest) -> Callable[..., CheckResult]:
    """``check_linearizable(history, model)``: fail the test (with the replay) unless valid."""
    from fault_injection.checker import Verdict, check

    def checker(hist: History | HistoryWriter, model: Model, **kwargs: Any) -> CheckResult:
        h = hist.history() if hasattr(hist, "history") else hist
        result = check(h, model, **kwargs)
        if result.verdict is not Verdict.OK:
            reasons = "; ".join(
                f"{p.label + ': ' if p.label else ''}{p.reason}"
                for p in result.partitions
                if p.verdict is not Verdict.OK
            )
            harness = getattr(request.node, "kubelab_harness", None)
            replay = f"\nreplay: {harness.replay}" if harness is not None else ""
            pytest.fail(f"history is {result.verdict.value}: {reasons}{replay}", pytrace=False)
        return result

    return checker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    """Add the replay command to the report of a failed test that used `sim`."""
    outcome = yield
    report = outcome.get_result()
    harness = getattr(item, "kubelab_harness", None)
    if harness is not None and report.failed:
        report.sections.append(("kubelab", f"replay with: {harness.replay}"))
