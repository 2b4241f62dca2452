"""`kubelab search raft`: exhaustive breadth-first search of a small Raft cluster.

Prints states explored, states per second, the depth every run was checked to and, when an
invariant breaks, the shortest trace that breaks it (saved with `--out`, replayed with
`--replay`, drawn on a debugger page with `--page`). `--mutants` runs the same bounds over
the correct core and every mutant, one line each.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from components.store.raft.core import Mutant
from components.store.raft.harness.search_model import Bounds, RaftSearch, debug_data
from fault_injection.search import Budget, SearchResult, explore, replay
from kernel.cli.errors import UserError
from labs.debugger import write_debugger

search_app = typer.Typer(
    name="search",
    help="Model checking: explore every choice of a small system.",
    no_args_is_help=True,
)


def _mutants(names: list[str]) -> frozenset[Mutant]:
    out = set()
    for name in names:
        try:
            out.add(Mutant[name.upper()])
        except KeyError:
            known = ", ".join(m.name for m in Mutant)
            raise UserError(
                f"--mutant {name}: no such mutant; known: {known}", exit_code=3
            ) from None
    return frozenset(out)


def summary(label: str, r: SearchResult) -> str:
    """One line: how far a search got and what it found."""
    found = (
        f"VIOLATION after {len(r.trace)} steps: {r.violation}" if r.violation else "no violation"
    )
    return (
        f"{label}: {r.states} states, {r.states_per_second:,.0f} states/s, depth {r.depth}"
        f" (every run of {r.complete_depth} steps checked), {r.seconds:.1f} s, stopped:"
        f" {r.stopped}; {found}"
    )


def command_line(bounds: Bounds, budget: Budget, mutants: frozenset[Mutant]) -> str:
    """The command that reruns this search."""
    names = "".join(f" --mutant {m.name}" for m in sorted(mutants, key=lambda m: m.name))
    limit = f" --seconds {budget.seconds:g}" if budget.seconds else ""
    return (
        f"kubelab search raft {bounds.describe()} --max-depth {budget.max_depth}"
        f" --max-states {budget.max_states}{limit}{names}"
    )


@search_app.command("raft")
def search_raft(  # noqa: PLR0917 - typer maps parameters to options
    nodes: Annotated[int, typer.Option(help="cluster size")] = 3,
    proposals: Annotated[int, typer.Option(help="client proposals per run")] = 1,
    elections: Annotated[int, typer.Option(help="election timeouts per run")] = 3,
    heartbeats: Annotated[int, typer.Option(help="leader heartbeat ticks per run")] = 1,
    drops: Annotated[int, typer.Option(help="message drops per run")] = 1,
    dups: Annotated[int, typer.Option(help="message duplications per run")] = 0,
    reorders: Annotated[int, typer.Option(help="out-of-order deliveries per run")] = 0,
    crashes: Annotated[int, typer.Option(help="crashes (with restarts) per run")] = 0,
    compactions: Annotated[int, typer.Option(help="log compactions per run")] = 0,
    max_depth: Annotated[int, typer.Option(help="steps per run at most")] = 12,
    max_states: Annotated[int, typer.Option(help="distinct states at most")] = 100_000,
    seconds: Annotated[float, typer.Option(help="wall-clock budget (0: none)")] = 60.0,
    mutant: Annotated[list[str] | None, typer.Option(help="switch on this mutant")] = None,
    mutants: Annotated[
        bool, typer.Option("--mutants", help="the correct core, then each mutant")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="write the counterexample (JSON)")] = None,
    replay_file: Annotated[
        Path | None, typer.Option("--replay", help="rerun a saved trace")
    ] = None,
    page: Annotated[Path | None, typer.Option(help="debugger page of the trace")] = None,
) -> None:
    """Search every delivery, drop, duplication, timeout and crash order the bounds allow."""
    for name, value in (("nodes", nodes), ("max-depth", max_depth), ("max-states", max_states)):
        if value < 1:
            raise UserError(f"--{name}: must be at least 1", exit_code=3)
    if nodes > 7:
        raise UserError("--nodes: at most 7 (the search is exponential)", exit_code=3)
    budget = Budget(max_depth=max_depth, max_states=max_states, seconds=seconds)
    if replay_file is not None:
        _replay(replay_file, page)
        return
    bounds = Bounds(
        nodes, proposals, elections, heartbeats, drops, dups, reorders, crashes, compactions
    )
    if mutants:
        typer.echo(f"bounds: {bounds.describe()}; budget {max_depth} steps, {max_states} states")
        for m in [None, *Mutant]:
            chosen = frozenset({m}) if m else frozenset()
            result = explore(RaftSearch(bounds, chosen), budget)
            typer.echo(summary(m.name if m else "correct", result))
        return
    chosen = _mutants(mutant or [])
    search = RaftSearch(bounds, chosen)
    result = explore(search, budget)
    typer.echo(summary("raft", result))
    if result.violation is None:
        return
    for i, step in enumerate(result.trace, start=1):
        typer.echo(f"  {i:3}. {step.text}")
    cmd = command_line(bounds, budget, chosen)
    typer.echo(f"replay: {cmd}")
    if out is not None:
        record = {
            "bounds": _bounds_json(bounds),
            "mutants": sorted(m.name for m in chosen),
            "actions": [list(s.action) for s in result.trace],
            "violation": result.violation,
            "command": cmd,
        }
        out.write_text(json.dumps(record, indent=1))
        typer.echo(f"trace: {out} (kubelab search raft --replay {out})")
    if page is not None:
        data = debug_data(search, result.trace, result.violation)
        data["replay"] = cmd
        typer.echo(f"debugger: file://{write_debugger(data, page).resolve()}")
    raise typer.Exit(1)


def _bounds_json(b: Bounds) -> dict[str, object]:
    import attrs

    return attrs.asdict(b)


def _replay(path: Path, page: Path | None) -> None:
    try:
        record = json.loads(path.read_text())
        bounds = Bounds(**record["bounds"])
        chosen = _mutants(record.get("mutants", []))
        actions = [tuple(a) for a in record["actions"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"--replay {path}: not a saved search trace ({exc})", exit_code=3) from None
    search = RaftSearch(bounds, chosen)
    try:
        steps, violation = replay(search, actions)
    except ValueError as exc:
        raise UserError(f"--replay {path}: {exc}", exit_code=3) from None
    for i, step in enumerate(steps, start=1):
        typer.echo(f"  {i:3}. {step.text}")
    typer.echo(f"violation: {violation}" if violation else "no violation on replay")
    if page is not None:
        data = debug_data(search, steps, violation)
        data["replay"] = f"kubelab search raft --replay {path}"
        typer.echo(f"debugger: file://{write_debugger(data, page).resolve()}")
    if violation:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `kubelab search` to the root app (the `kubelab.cli` entry point)."""
    app.add_typer(search_app, name="search")
