"""Seed sweeps of the Raft member program under every nemesis, with recovery-time figures.

    python -m tests.raft.chaos_sweep --seeds 0..499 --out /tmp/raft-sweep.jsonl

runs `run_chaos` in-process for every (nemesis, seed), one JSON line per run (verdict,
counts, recovery time, replay command), and prints a summary per nemesis at the end. The
final reads start right at the heal (``recovery=0``), so "recovery" is measured: for every
client, the time from the heal to its first successful final read; a run's figure is the
slowest client's. Any run that is not `valid` is a bug (its replay command is printed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.runner import ChaosOutcome, run_chaos
from fault_injection.checker import Outcome

NEMESES: tuple[str, ...] = (
    "partition-halves",
    "partition-one",
    "partition-majority",
    "partition-majorities-ring",
    "partition-bridge",
    "partition-one-way",
    "kill",
    "pause",
    "clock-skew",
    "loss",
    "duplicate",
    "reorder",
    "disk",
)
"""Every nemesis of the catalog (``partition`` alone is a random pick among the kinds above)."""

PROGRAM = "components.store.raft.member:compacting_main"
"""The default member (snapshots every 16 entries, so InstallSnapshot runs in short runs)."""


def sweep_config(
    nemesis: str, seed: int, *, program: str = PROGRAM, duration: float = 10.0
) -> ChaosConfig:
    """The configuration of one sweep run: cas workload, a fault every 2 s, reads at heal."""
    return ChaosConfig(
        program=program,
        workload="cas",
        nemesis=nemesis,
        nemesis_interval=2.0,
        duration=duration,
        recovery=0.0,
        liveness=10.0,
        seed=seed,
    )


def recovery_seconds(outcome: ChaosOutcome) -> float | None:
    """Heal to the slowest client's first successful final read (None if one never got it)."""
    heal = outcome.config.duration
    first: dict[int, float] = {}
    for op in outcome.history.operations:
        if op.call >= heal and op.outcome is Outcome.OK and op.ret is not None:
            first[op.process] = min(first.get(op.process, op.ret), op.ret)
    if len(first) < outcome.config.clients:
        return None
    return max(first.values()) - heal


def run_one(config: ChaosConfig) -> dict[str, Any]:
    """One run as a JSON-friendly row."""
    start = time.perf_counter()
    outcome = run_chaos(config)
    return {
        "nemesis": config.nemesis,
        "seed": config.seed,
        "verdict": outcome.verdict,
        "ops": outcome.counts(),
        "recovery": recovery_seconds(outcome),
        "wall": round(time.perf_counter() - start, 3),
        "replay": outcome.replay_command(),
    }


def sweep(
    nemeses: Iterable[str], seeds: Iterable[int], *, program: str = PROGRAM, duration: float = 10.0
) -> Iterator[dict[str, Any]]:
    """Rows of every (nemesis, seed) run, seed-major (a cut-short sweep covers all alike)."""
    nemesis_list = list(nemeses)
    for seed in seeds:
        for nemesis in nemesis_list:
            yield run_one(sweep_config(nemesis, seed, program=program, duration=duration))


def summarize(rows: list[dict[str, Any]]) -> list[str]:
    """One line per nemesis: runs, verdict counts, recovery median / max, failing seeds."""
    lines = []
    for nemesis in dict.fromkeys(r["nemesis"] for r in rows):
        mine = [r for r in rows if r["nemesis"] == nemesis]
        verdicts: dict[str, int] = {}
        for r in mine:
            verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
        rec = [r["recovery"] for r in mine if r["recovery"] is not None]
        bad = [r["seed"] for r in mine if r["verdict"] != "valid"]
        figure = f"recovery p50 {statistics.median(rec):.2f}s max {max(rec):.2f}s" if rec else "-"
        lines.append(
            f"{nemesis:26} runs {len(mine):4} "
            + " ".join(f"{k} {v}" for k, v in sorted(verdicts.items()))
            + f"  {figure}"
            + (f"  failing seeds {bad}" if bad else "")
        )
    return lines


def _seeds(text: str) -> range:
    a, _, b = text.partition("..")
    return range(int(a), int(b or a) + 1)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the sweep, append rows to --out, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0..9", help="A..B inclusive")
    parser.add_argument("--nemeses", default=",".join(NEMESES))
    parser.add_argument("--program", default=PROGRAM)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = []
    out = args.out.open("a", encoding="utf-8") if args.out else None
    for row in sweep(
        args.nemeses.split(","), _seeds(args.seeds), program=args.program, duration=args.duration
    ):
        rows.append(row)
        if out is not None:
            out.write(json.dumps(row) + "\n")
            out.flush()
        if row["verdict"] != "valid":
            print(f"FAIL {row['nemesis']} seed {row['seed']}: {row['replay']}", flush=True)
    for line in summarize(rows):
        print(line)
    return 0 if all(r["verdict"] == "valid" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
