"""`kubelab lab list|start|grade`: the course labs from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.runner import ChaosConfigError, run_chaos
from kernel.cli.errors import UserError
from labs.debugger import debug_data_from_chaos, write_debugger
from labs.kit.batch import grade_batch
from labs.kit.grading import grade
from labs.kit.impl import ImplError, resolve_impl
from labs.kit.lab import Lab
from labs.registry import LABS, get_lab

lab_app = typer.Typer(
    name="lab", help="Course labs: start one, grade your work.", no_args_is_help=True
)


def _lab(name: str) -> Lab:
    try:
        return get_lab(name)
    except KeyError as exc:
        raise UserError(str(exc.args[0]), exit_code=3) from None


@lab_app.command("list")
def list_labs() -> None:
    """Every lab: name, part, points and what it is about."""
    for lab in LABS.values():
        typer.echo(f"{lab.name:10} part {lab.part}  {lab.points:>3} points  {lab.title}")


@lab_app.command("start")
def start(name: str, folder: Path) -> None:
    """Copy a lab's handout and skeleton into FOLDER, ready to grade."""
    lab = _lab(name)
    if folder.exists() and any(folder.iterdir()):
        raise UserError(f"{folder}: not empty; pick a new folder", exit_code=3)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.folder / "README.md", folder / "README.md")
    for path in sorted((lab.folder / "skeleton").glob("*.py")):
        shutil.copy(path, folder / path.name)
    typer.echo(f"{folder}: handout README.md and skeleton {lab.impl_module}.py")
    typer.echo(f"grade it with: kubelab lab grade {lab.name} --impl {folder}")


@lab_app.command("grade")
def grade_cmd(  # noqa: PLR0917 - typer maps parameters to options
    name: str,
    impl: Annotated[str | None, typer.Option(help="module:attr or your folder")] = None,
    seed: Annotated[int, typer.Option(help="seed of every seeded check")] = 0,
    runs: Annotated[int, typer.Option(help="grade under this many seeds (seed, seed+1, ...)")] = 1,
    only: Annotated[list[str] | None, typer.Option(help="just this check")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    batch: Annotated[Path | None, typer.Option(help="grade every folder in it")] = None,
    out: Annotated[Path, typer.Option(help="where --batch writes the gradebook")] = Path(),
) -> None:
    """Grade an implementation: a score table, exit 0 only on full marks."""
    lab = _lab(name)
    if runs < 1:
        raise UserError("--runs: must be at least 1", exit_code=3)
    if batch is not None:
        if not batch.is_dir():
            raise UserError(f"--batch {batch}: not a folder", exit_code=3)
        rows = grade_batch(lab, batch, out, seed=seed)
        for row in rows:
            typer.echo(f"{row['submission']:24} {row['earned']:>3}/{row['points']}")
        typer.echo(f"gradebook: {out / 'gradebook.csv'} and {out / 'gradebook.json'}")
        return
    try:
        resolve_impl(lab, impl)
    except ImplError as exc:
        raise UserError(str(exc), exit_code=3) from None
    for check in only or ():
        try:
            lab.check(check)
        except KeyError as exc:
            raise UserError(f"--only: {exc.args[0]}", exit_code=3) from None
    reports = [grade(lab, impl, seed=seed + i, only=tuple(only or ())) for i in range(runs)]
    if as_json:
        typer.echo(json.dumps([r.as_json() for r in reports], indent=2))
    else:
        typer.echo("\n\n".join(r.table() for r in reports))
    if not all(r.full_marks for r in reports):
        raise typer.Exit(1)


@lab_app.command("debug")
def debug_chaos(  # noqa: PLR0917 - typer maps parameters to options
    out: Annotated[Path, typer.Option(help="the HTML page to write")],
    store: Annotated[str, typer.Option(help="store under test (as kubelab chaos run)")] = "unsafe",
    workload: Annotated[str, typer.Option(help="workload")] = "register",
    nemesis: Annotated[str, typer.Option(help="nemesis")] = "partition",
    duration: Annotated[float, typer.Option(help="virtual seconds")] = 10.0,
    seed: Annotated[int, typer.Option(help="seed")] = 0,
) -> None:
    """Run one seeded chaos run and write its debugger page (lanes, messages, history)."""
    config = ChaosConfig(
        store=store, workload=workload, nemesis=nemesis, duration=duration, seed=seed
    )
    try:
        outcome = run_chaos(config)
    except ChaosConfigError as exc:
        raise UserError(str(exc), exit_code=3) from None
    page = write_debugger(debug_data_from_chaos(outcome), out)
    typer.echo(f"{outcome.verdict}: debugger page file://{page.resolve()}")
    typer.echo(f"replay: {outcome.replay_command()}")


def register(app: typer.Typer) -> None:
    """Add `kubelab lab` to the root app (the `kubelab.cli` entry point)."""
    app.add_typer(lab_app, name="lab")
