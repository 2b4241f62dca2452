"""`kubelab bench sim`: simulator speed, task-per-host vs callback nodes, side by side.

Runs (a) 5 KV servers + 10 clients for 60 virtual s under partitions and (b) N hosts (5,000)
heartbeating every 10 virtual s for 10 virtual minutes, each in both node styles, and reports
medians over repeats: wall and CPU time, events/s, virtual-to-wall speed-up, and the ratio.
"""

from __future__ import annotations

import os
import statistics

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from fault_injection.sim.benchmarks import BenchResult, Style, run_bench
from kernel.cli.errors import UserError

_STYLES: tuple[Style, ...] = ("task", "callback")


def _median(results: list[BenchResult], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in results)


def _table(results: dict[tuple[str, Style], list[BenchResult]], title: str) -> Table:
    table = Table(title=title)
    for col in (
        "scenario",
        "style",
        "virtual s",
        "wall s",
        "cpu s",
        "events",
        "events/s",
        "speed-up",
        "vs task",
    ):
        table.add_column(col, justify="left" if col in ("scenario", "style") else "right")
    for (scenario, style), runs in results.items():
        wall = _median(runs, "wall_seconds")
        base = (
            _median(results[(scenario, "task")], "wall_seconds")
            if (scenario, "task") in results
            else wall
        )
        table.add_row(
            scenario,
            style,
            f"{runs[0].virtual_seconds:g}",
            f"{wall:.2f}",
            f"{_median(runs, 'cpu_seconds'):.2f}",
            f"{runs[0].events:,}",
            f"{runs[0].events / wall:,.0f}",
            f"{runs[0].virtual_seconds / wall:,.0f}x",
            f"{base / wall:.1f}x",
        )
    return table


def register(app: typer.Typer) -> None:
    """Add `bench sim` to the bench app."""

    @app.command("sim")
    def bench_sim(
        repeats: int = typer.Option(3, help="Runs per scenario and style; medians are shown."),
        hosts: int = typer.Option(5000, help="Hosts in the heartbeat scenario."),
        minutes: float = typer.Option(10.0, help="Virtual minutes of the heartbeat scenario."),
        seed: int = typer.Option(1, help="Seed of every run."),
        scenario: str = typer.Option("all", help="kv, heartbeat or all."),
    ) -> None:
        """Simulator speed: events/s and virtual-to-wall speed-up, task vs callback nodes."""
        if repeats < 1:
            raise UserError(f"--repeats must be at least 1, got {repeats}")
        if hosts < 1:
            raise UserError(f"--hosts must be at least 1, got {hosts}")
        if not minutes > 0:
            raise UserError(f"--minutes must be > 0, got {minutes}")
        if scenario not in ("kv", "heartbeat", "all"):
            raise UserError(f"--scenario must be kv, heartbeat or all, got {scenario!r}")
        names = ["kv", "heartbeat"] if scenario == "all" else [scenario]
        results: dict[tuple[str, Style], list[BenchResult]] = {}
        console = Console()
        if not console.is_terminal:
            console = Console(width=120)  # a log file: do not squeeze the table
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task("bench sim", total=len(names) * len(_STYLES) * repeats)
            for rep in range(repeats):
                for name in names:
                    for style in _STYLES:  # interleaved, so load changes hit both styles
                        progress.update(bar, description=f"{name} {style} run {rep + 1}/{repeats}")
                        result = run_bench(
                            name,
                            style,
                            seed=seed,
                            hosts=hosts,
                            duration=minutes * 60 if name == "heartbeat" else None,
                        )
                        results.setdefault((name, style), []).append(result)
                        progress.advance(bar)
        results = {
            k: results[k]
            for k in sorted(results, key=lambda k: (names.index(k[0]), _STYLES.index(k[1])))
        }
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        console.print(
            _table(
                results,
                f"kubelab bench sim: medians of {repeats} (seed {seed}, load avg {load:.1f})",
            )
        )
        for name in names:
            task = _median(results[(name, "task")], "wall_seconds")
            cb = _median(results[(name, "callback")], "wall_seconds")
            console.print(f"{name}: callback style is {task / cb:.1f}x faster than task-per-host")
