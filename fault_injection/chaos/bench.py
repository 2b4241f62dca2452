"""`kubelab bench chaos`: seeds per minute of a chaos sweep on 1 worker and on N, in one run.

Every worker count sweeps the same seeds of the same config, alternating across repeats so
machine load hits each alike; the table gives the median wall time, seeds per minute and the
speed-up over one worker, and checks that every count produced the same per-seed digests.
"""

from __future__ import annotations

import statistics
import time

import typer
from rich.console import Console
from rich.table import Table

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.sweep import SeedResult, sweep
from kernel.cli.errors import UserError


def register(app: typer.Typer) -> None:
    """Add `bench chaos` to the bench app."""

    @app.command("chaos")
    def bench_chaos(
        seeds: int = typer.Option(8, min=1, help="Seeds per sweep (1..N)."),
        workers: str = typer.Option("1,2", help="Comma-separated worker counts to compare."),
        repeats: int = typer.Option(3, min=1, help="Sweeps per worker count; medians shown."),
        store: str = typer.Option("raft", help="The store under test (see kubelab chaos run)."),
        duration: float = typer.Option(10.0, min=0.1, help="Virtual seconds of each run."),
    ) -> None:
        """Chaos sweep throughput: seeds per minute by worker count, the same digests in each."""
        try:
            counts = [int(w) for w in workers.split(",") if w.strip()]
        except ValueError:
            raise UserError(f"--workers must be numbers like 1,2; got {workers!r}") from None
        if not counts or min(counts) < 1:
            raise UserError(f"--workers must be numbers >= 1 like 1,2; got {workers!r}")
        config = ChaosConfig(
            store=store, workload="kv", nemesis="partition,kill", duration=duration
        )
        seed_list = list(range(1, seeds + 1))
        walls: dict[int, list[float]] = {n: [] for n in counts}
        digests: dict[int, list[str]] = {}
        console = Console()
        with console.status("sweeping...") as status:
            for r in range(repeats):
                for n in counts:
                    status.update(f"repeat {r + 1}/{repeats}: {seeds} seeds on {n} worker(s)")
                    start = time.perf_counter()
                    results: list[SeedResult] = sweep(config, seed_list, workers=n)
                    walls[n].append(time.perf_counter() - start)
                    digests.setdefault(n, [x.digest for x in results])
        base = statistics.median(walls[counts[0]])
        table = Table(title=f"kubelab bench chaos: {seeds} seeds of {config.command(0)}")
        for col in ("workers", "wall s", "seeds/min", f"vs {counts[0]} worker(s)", "digests"):
            table.add_column(col, justify="right")
        for n in counts:
            wall = statistics.median(walls[n])
            same = "same" if digests[n] == digests[counts[0]] else "DIFFER"
            table.add_row(
                str(n), f"{wall:.2f}", f"{seeds / wall * 60:.1f}", f"{base / wall:.2f}x", same
            )
        console.print(table)
