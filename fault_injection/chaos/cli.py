"""`kubelab chaos run`: one seed or a range of seeds; verdict, figures, replay commands.

Exit code: 0 every run valid, 1 an anomaly (illegal history or not live), 2 unknown (the
check ran out of time), 3 bad input (a usage mistake or a bad flag value, said in one line).
With `--out DIR` each run writes `history.jsonl`, `timeline.json`, `summary.json`,
`report.html` and `checker.html` (the checker's own timeline), under `DIR/seed-N/` with
`--seeds`.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.report import render_report
from fault_injection.chaos.runner import (
    EXIT_ANOMALY,
    EXIT_UNKNOWN,
    EXIT_VALID,
    ChaosConfigError,
    ChaosOutcome,
    run_chaos,
    summary,
)
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
        store: str = typer.Option(
            "memory", help="memory | unsafe | a kubelab.store name | module:attr"
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
    ) -> None:
        """Run a system under a workload and a nemesis in virtual time; check the history."""
        config = ChaosConfig(
            store=store,
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
        table = Table(title=f"kubelab chaos: {len(seed_list)} seeds")
        for col in ("seed", "verdict", "ok", "fail", "info", "p50 ms", "faults", "digest"):
            table.add_column(col)
        codes: list[int] = []
        failing: list[ChaosOutcome] = []
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task("seeds", total=len(seed_list))
            for s in seed_list:
                progress.update(bar, description=f"seed {s}")
                cfg = ChaosConfig(**{**_fields(config), "seed": s})
                outcome = _run(cfg, None if out is None else out / f"seed-{s}")
                codes.append(outcome.exit_code)
                if outcome.exit_code != EXIT_VALID:
                    failing.append(outcome)
                c = outcome.counts()
                p50 = outcome.latencies().get("p50")
                table.add_row(
                    str(s),
                    outcome.verdict,
                    str(c["ok"]),
                    str(c["fail"]),
                    str(c["info"]),
                    "-" if p50 is None else f"{p50 * 1000:.1f}",
                    str(sum(outcome.timeline.counts().values())),
                    outcome.trace_digest[:12],
                )
                progress.advance(bar)
        console.print(table)
        for outcome in failing:
            console.print(
                f"seed {outcome.config.seed} {outcome.verdict}: replay with "
                f"{outcome.replay_command()}",
                highlight=False,
                markup=False,
            )
        console.print(
            f"{len(seed_list) - len(failing)}/{len(seed_list)} seeds valid",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(_exit_code(codes))


def _fields(config: ChaosConfig) -> dict[str, object]:
    return attrs.asdict(config)
