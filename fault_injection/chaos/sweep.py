"""Seed sweeps: many seeds of one chaos config, in this process, on every core, or on Dask.

A seed's run is a pure function of (config, seed), so where it runs cannot change its result:
`run_seed` is the one function every executor calls, and it ships back a small `SeedResult`
(verdict, counts, trace digest, replay command), never the history. Artefacts (``--out``)
are written by the worker itself. Results come back in seed order whatever finished first.
`check_determinism` reruns seeds in fresh interpreters under two ``PYTHONHASHSEED`` values
and compares digests: set iteration order is the usual way a run stops replaying.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import attrs

from fault_injection.chaos.config import ChaosConfig

Job = tuple[dict[str, Any], str | None]
"""One seed's run: the config's fields (seed included) and where its artefacts go."""

HASH_SEEDS = ("1", "2")
"""The two ``PYTHONHASHSEED`` values `check_determinism` compares."""


@attrs.frozen
class SeedResult:
    """What one seed's run reports back to the sweep (picklable, JSON-friendly)."""

    seed: int
    exit_code: int
    verdict: str
    ok: int
    fail: int
    info: int
    p50: float | None
    faults: int
    digest: str
    replay: str

    def to_json(self) -> dict[str, Any]:
        """As a JSON object (the `--json` output and the worker's answer)."""
        return attrs.asdict(self)


def run_seed(fields: dict[str, Any], out: str | None = None) -> SeedResult:
    """Run one config (its seed) and summarize it; writes artefacts under `out` if given."""
    # imported here so a Dask worker or a spawned process imports only what a run needs
    from fault_injection.chaos.cli import save
    from fault_injection.chaos.runner import run_chaos

    config = ChaosConfig(**fields)
    outcome = run_chaos(config, log_dir=None if out is None else Path(out))
    if out is not None:
        save(outcome, Path(out))
    counts = outcome.counts()
    return SeedResult(
        config.seed,
        outcome.exit_code,
        outcome.verdict,
        counts["ok"],
        counts["fail"],
        counts["info"],
        outcome.latencies().get("p50"),
        sum(outcome.timeline.counts().values()),
        outcome.trace_digest,
        outcome.replay_command(),
    )


def _jobs(config: ChaosConfig, seeds: Iterable[int], out: Path | None) -> list[Job]:
    base = attrs.asdict(config)
    return [({**base, "seed": s}, None if out is None else str(out / f"seed-{s}")) for s in seeds]


def sweep(
    config: ChaosConfig,
    seeds: list[int],
    *,
    workers: int = 1,
    out: Path | None = None,
    cluster: str | None = None,
    on_result: Callable[[SeedResult], None] | None = None,
) -> list[SeedResult]:
    """Run every seed of `config`; results in seed order. `cluster` is a Dask scheduler address.

    ``workers=1`` runs here, one seed after another; more runs a pool of spawned processes;
    a `cluster` ships only each seed's config to the Dask workers. `on_result` is called as
    each seed finishes (in completion order), for progress.
    """
    jobs = _jobs(config, seeds, out)
    done: dict[int, SeedResult] = {}

    def finish(result: SeedResult) -> None:
        done[result.seed] = result
        if on_result is not None:
            on_result(result)

    if cluster is not None:
        _on_dask(cluster, jobs, finish)
    elif workers <= 1 or len(jobs) <= 1:
        for fields, where in jobs:
            finish(run_seed(fields, where))
    else:
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=get_context("spawn")) as pool:
            futures: list[Future[SeedResult]] = [pool.submit(run_seed, f, w) for f, w in jobs]
            for future in as_completed(futures):
                finish(future.result())
    return [done[s] for s in seeds]


def _on_dask(address: Any, jobs: list[Job], finish: Callable[[SeedResult], None]) -> None:
    """Run the jobs on a Dask distributed cluster (an address, or a `LocalCluster` in tests)."""
    try:
        from distributed import Client, wait
    except ImportError:  # pragma: no cover - distributed is a declared dependency
        raise ValueError("--cluster needs Dask distributed: pip install distributed") from None
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError) as err:
        raise ValueError(f"--cluster {address}: cannot reach the Dask scheduler ({err})") from None
    with client:
        futures = [
            client.submit(run_seed, fields, where, pure=False, key=f"chaos-seed-{fields['seed']}")
            for fields, where in jobs
        ]
        pending = set(futures)
        while pending:  # report each seed as it finishes, in completion order
            done, pending = wait(pending, return_when="FIRST_COMPLETED")
            for future in done:
                finish(future.result())


def rerun_digest(fields: dict[str, Any], hash_seed: str) -> str:
    """One seed's trace digest from a fresh interpreter with ``PYTHONHASHSEED=hash_seed``."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run(
        [sys.executable, "-m", "fault_injection.chaos.sweep"],
        input=json.dumps(fields),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"seed {fields['seed']}: the rerun failed: {tail}")
    return str(json.loads(proc.stdout)["digest"])


@attrs.frozen
class DeterminismResult:
    """One seed's digests under each hash seed; deterministic when they are all equal."""

    seed: int
    digests: tuple[str, ...]

    @property
    def deterministic(self) -> bool:
        """Whether every rerun gave the same trace digest."""
        return len(set(self.digests)) == 1


def check_determinism(
    config: ChaosConfig,
    seeds: list[int],
    *,
    workers: int = 1,
    on_result: Callable[[DeterminismResult], None] | None = None,
) -> list[DeterminismResult]:
    """Rerun each seed under every `HASH_SEEDS` value in fresh interpreters; compare digests."""
    jobs = _jobs(config, seeds, None)
    results: dict[int, DeterminismResult] = {}
    with ThreadPoolExecutor(max(1, workers)) as pool:
        per_seed = {
            fields["seed"]: [pool.submit(rerun_digest, fields, h) for h in HASH_SEEDS]
            for fields, _ in jobs
        }
        for seed, futures in per_seed.items():
            result = DeterminismResult(seed, tuple(f.result() for f in futures))
            results[seed] = result
            if on_result is not None:
                on_result(result)
    return [results[s] for s in seeds]


def _main() -> None:
    """Worker entry: a config's fields as JSON on stdin, its `SeedResult` as JSON on stdout."""
    fields = json.loads(sys.stdin.read())
    print(json.dumps(run_seed(fields).to_json()))


if __name__ == "__main__":
    _main()


__all__ = [
    "HASH_SEEDS",
    "DeterminismResult",
    "SeedResult",
    "check_determinism",
    "rerun_digest",
    "run_seed",
    "sweep",
]
