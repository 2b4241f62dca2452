"""`kubelab chaos run`: one seed or a range of seeds; verdict, figures, replay commands.

Exit code: 0 every run valid, 1 an anomaly (illegal history or not live), 2 unknown (the
check ran out of time), 3 bad input (a usage mistake or a bad flag value, said in one line).
With `--out DIR` each run writes `history.jsonl`, `timeline.json`, `summary.json`,
`report.html` and `checker.html` (the checker's own timeline), under `DIR/seed-N/` with
`--seeds`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.report import render_report
from fault_injection.chaos.runner import (
    EXIT_ANOMALY,
    EXIT_UNKNOWN,
    EXIT_VALID,
    ChaosConfigError,
    ChaosOutcome,
    prepare_check,
    run_chaos,
    summary,
)
from fault_injection.chaos.sweep import HASH_SEEDS, SeedResult, check_determinism, sweep
from fault_injection.checker import write_history, write_html
from fault_injection.maelstrom import BinNodeError
from fault_injection.nemesis import NemesisSpecError, parse_duration
from fault_injection.workloads import workload
from kernel.cli.errors import UserError
from kernel.cli.usage import usage_exit_command

EXIT_BAD_INPUT = 3
"""A usage mistake or a bad flag value (2 already means "unknown")."""


def parse_seeds(text: str) -> list[int]:
    """``A..B`` (inclusive) or a single number, as a list of seeds."""
    try:
        if ".." in text:
            lo, hi = (int(p) for p in text.split("..", 1))
        else:
            lo = hi = int(text)
    except ValueError:
        raise UserError(
            f"--seeds must look like A..B (e.g. 1..20), got {text!r}", EXIT_BAD_INPUT
        ) from None
    if hi < lo:
        raise UserError(f"--seeds range is empty: {text!r} (A must be <= B)", EXIT_BAD_INPUT)
    return list(range(lo, hi + 1))


def _duration(flag: str, text: str) -> float:
    try:
        return parse_duration(text)
    except (NemesisSpecError, ValueError) as exc:
        raise UserError(f"{flag}: {exc}", EXIT_BAD_INPUT) from None


def save(outcome: ChaosOutcome, out: Path) -> None:
    """Write a run's history, fault timeline, summary, report and the checker's page to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    write_history(outcome.history, out / "history.jsonl")
    (out / "timeline.json").write_text(outcome.timeline.to_json(indent=2) + "\n")
    (out / "summary.json").write_text(json.dumps(summary(outcome), indent=2) + "\n")
    (out / "report.html").write_text(render_report(outcome), encoding="utf-8")
    model = workload(outcome.config.workload).model()
    write_html(out / "checker.html", outcome.history, model, outcome.result)


def _verdict_lines(outcome: ChaosOutcome) -> list[str]:
    s = summary(outcome)
    lat = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in s["latency"].items()) or "none"
    faults = ", ".join(f"{k} x{v}" for k, v in s["faults"].items()) or "none"
    lines = [
        f"verdict: {s['verdict']}  (checker: {s['checker']}, live: {s['live']})",
        "operations: " + ", ".join(f"{v} {k}" for k, v in s["operations"].items()),
        f"latency of ok operations: {lat}",
        f"faults injected: {faults}",
    ]
    lines.extend(
        f"anomaly: {part.label + ': ' if part.label else ''}{part.reason}"
        for part in outcome.result.partitions
        if part.reason
    )
    if s["missing_final_reads"]:
        lines.append("no final read succeeded for: " + "; ".join(s["missing_final_reads"]))
    return lines


def _exit_code(codes: list[int]) -> int:
    if EXIT_ANOMALY in codes:
        return EXIT_ANOMALY
    return EXIT_UNKNOWN if EXIT_UNKNOWN in codes else EXIT_VALID


def _run(config: ChaosConfig, out: Path | None) -> ChaosOutcome:
    try:
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
        outcome = run_chaos(config, log_dir=out)
    except (ChaosConfigError, BinNodeError) as exc:
        raise UserError(str(exc), EXIT_BAD_INPUT) from None
    if out is not None:
        save(outcome, out)
    return outcome


def register(app: typer.Typer) -> None:
    """Add `kubelab chaos run` to the root app."""
    chaos = typer.Typer(
        name="chaos", help="Chaos testing in the simulated world.", no_args_is_help=True
    )
    app.add_typer(chaos, name="chaos")

    @chaos.command("run", cls=usage_exit_command(EXIT_BAD_INPUT))
    def run(  # noqa: PLR0917 - typer maps each parameter to a CLI option
        store: str | None = typer.Option(
            None, help="memory (default) | unsafe | raft | a kubelab.store name | module:attr"
        ),
        bin: str | None = typer.Option(
            None, "--bin", help="A Maelstrom node program (any language) to run instead of a store."
        ),
        program: str | None = typer.Option(
            None,
            "--program",
            help="A kernel.hosting node program (module:attr) to run on every node.",
        ),
        workload: str = typer.Option("register", help="register | cas | lin-kv | kv | store"),
        nemesis: str = typer.Option("none", help="Comma-separated faults, e.g. partition,kill"),
        nemesis_interval: str = typer.Option("5s", help="Period of each fault, e.g. 5s"),
        nodes: int = typer.Option(3, help="Nodes of the system under test."),
        clients: int = typer.Option(5, help="Concurrent clients."),
        rate: float = typer.Option(10.0, help="Operations per second per client (mean)."),
        timeout: str = typer.Option("1s", help="Per-operation timeout."),
        duration: str = typer.Option("30s", help="Virtual length of the faulty phase."),
        recovery: str = typer.Option("5s", help="Wait after healing before final reads."),
        liveness: str = typer.Option("10s", help="Bound for final reads to succeed."),
        latency: float = typer.Option(0.005, help="Mean one-way network latency, seconds."),
        seed: int = typer.Option(0, help="The seed; one seed replays the whole run."),
        seeds: str | None = typer.Option(None, help="A range of seeds A..B, one run each."),
        out: Path | None = typer.Option(None, help="Directory for history, timeline, report."),
        check_timeout: float = typer.Option(60.0, help="Wall seconds for the checker."),
        workers: int = typer.Option(
            0, min=0, help="Processes for --seeds (0: one per core; 1: in this process)."
        ),
        cluster: str | None = typer.Option(
            None, help="Run --seeds on a Dask scheduler instead (tcp://HOST:8786)."
        ),
        check_determinism: bool = typer.Option(
            False,
            "--check-determinism",
            help="Rerun each seed under two PYTHONHASHSEED values and compare trace digests.",
        ),
    ) -> None:
        """Run a system under a workload and a nemesis in virtual time; check the history."""
        given = (("--store", store), ("--bin", bin), ("--program", program))
        chosen = [flag for flag, value in given if value is not None]
        if len(chosen) > 1:
            raise UserError(
                f"{' and '.join(chosen)} each name the system under test: give only one",
                EXIT_BAD_INPUT,
            )
        config = ChaosConfig(
            store=store or "memory",
            bin=bin,
            program=program,
            workload=workload,
            nemesis=nemesis,
            nemesis_interval=_duration("--nemesis-interval", nemesis_interval),
            nodes=nodes,
            clients=clients,
            rate=rate,
            timeout=_duration("--timeout", timeout),
            duration=_duration("--duration", duration),
            recovery=_duration("--recovery", recovery),
            liveness=_duration("--liveness", liveness),
            latency=latency,
            seed=seed,
            check_timeout=check_timeout,
        )
        console = Console(soft_wrap=True)  # replay commands stay on one line
        if check_determinism:
            seed_list = [seed] if seeds is None else parse_seeds(seeds)
            raise typer.Exit(_determinism(console, config, seed_list, _workers(workers)))
        if seeds is None:
            with console.status(f"running seed {seed} ({config.duration:g} virtual s)..."):
                outcome = _run(config, out)
            for line in _verdict_lines(outcome):
                console.print(line, highlight=False, markup=False)
            if out is not None:
                console.print(f"wrote {out}/report.html", highlight=False, markup=False)
            if outcome.exit_code != EXIT_VALID:
                console.print(f"replay: {outcome.replay_command()}", highlight=False, markup=False)
            raise typer.Exit(outcome.exit_code)
        seed_list = parse_seeds(seeds)
        results = _sweep(
            console, config, seed_list, workers=_workers(workers), out=out, cluster=cluster
        )
        table = Table(title=f"kubelab chaos: {len(seed_list)} seeds")
        for col in ("seed", "verdict", "ok", "fail", "info", "p50 ms", "faults", "digest"):
            table.add_column(col)
        for r in results:
            table.add_row(
                str(r.seed),
                r.verdict,
                str(r.ok),
                str(r.fail),
                str(r.info),
                "-" if r.p50 is None else f"{r.p50 * 1000:.1f}",
                str(r.faults),
                r.digest[:12],
            )
        console.print(table)
        failing = [r for r in results if r.exit_code != EXIT_VALID]
        for r in failing:
            console.print(
                f"seed {r.seed} {r.verdict}: replay with {r.replay}", highlight=False, markup=False
            )
        console.print(
            f"{len(seed_list) - len(failing)}/{len(seed_list)} seeds valid",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(_exit_code([r.exit_code for r in results]))


def _workers(workers: int) -> int:
    """`--workers`, 0 meaning one per core this process may use."""
    return (
        workers or len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else (workers or os.cpu_count() or 1)
    )


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _sweep(
    console: Console,
    config: ChaosConfig,
    seeds: list[int],
    *,
    workers: int,
    out: Path | None,
    cluster: str | None,
) -> list[SeedResult]:
    where = f"on {cluster}" if cluster else f"{min(workers, len(seeds))} worker(s)"
    with _progress(console) as progress:
        bar = progress.add_task(f"seeds ({where})", total=len(seeds))
        try:
            return sweep(
                config,
                seeds,
                workers=workers,
                out=out,
                cluster=cluster,
                on_result=lambda _r: progress.advance(bar),
            )
        except (ChaosConfigError, BinNodeError, ValueError) as exc:
            raise UserError(str(exc), EXIT_BAD_INPUT) from None


def _determinism(console: Console, config: ChaosConfig, seeds: list[int], workers: int) -> int:
    """Print each seed's digests under two hash seeds; 0 when all agree, 1 otherwise."""
    _run_checked(config)  # a bad config is one line here, not a failed rerun
    with _progress(console) as progress:
        bar = progress.add_task("determinism", total=len(seeds))
        try:
            results = check_determinism(
                config, seeds, workers=workers, on_result=lambda _r: progress.advance(bar)
            )
        except RuntimeError as exc:
            raise UserError(str(exc), 1) from None
    table = Table(title=f"determinism: each seed under PYTHONHASHSEED={' and '.join(HASH_SEEDS)}")
    for col in ("seed", *(f"digest (hash seed {h})" for h in HASH_SEEDS), "same"):
        table.add_column(col)
    for r in results:
        table.add_row(str(r.seed), *(d[:16] for d in r.digests), "yes" if r.deterministic else "NO")
    console.print(table)
    bad = [r.seed for r in results if not r.deterministic]
    if bad:
        console.print(
            f"not deterministic: seed(s) {', '.join(map(str, bad))}; replay each twice with "
            f"PYTHONHASHSEED set and compare: {config.command(bad[0])}",
            highlight=False,
            markup=False,
        )
        return 1
    console.print(f"{len(results)}/{len(results)} seeds deterministic", highlight=False)
    return 0


def _run_checked(config: ChaosConfig) -> None:
    try:
        prepare_check(config)
    except (ChaosConfigError, BinNodeError) as exc:
        raise UserError(str(exc), EXIT_BAD_INPUT) from None
