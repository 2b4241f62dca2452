"""`kubelab check FILE`: read a history, check it against a model, print one verdict line.

Exit codes: 0 linearizable, 1 not linearizable, 2 unknown (time limit; never a pass), 3 bad
input (the message names the file and line; a usage error such as an unknown option too).
"""

from __future__ import annotations

from pathlib import Path

import typer

from kernel.cli.errors import UserError
from kernel.cli.usage import usage_exit_command

EXIT_OK, EXIT_ILLEGAL, EXIT_UNKNOWN, EXIT_BAD_INPUT = 0, 1, 2, 3


def check_file(
    file: Path,
    model_name: str | None = None,
    fmt: str = "auto",
    timeout: float | None = None,
    html_out: Path | None = None,
    *,
    max_steps: int | None = None,
    partition_steps: int | None = None,
) -> int:
    """Run the check the command describes; return the exit code, print the verdict."""
    from fault_injection.checker._check import check
    from fault_injection.checker._history import HistoryError
    from fault_injection.checker._importers import DEFAULT_MODEL, FORMATS, load_history
    from fault_injection.checker._models import model_named
    from fault_injection.checker._report_html import write_html
    from fault_injection.checker._result import Verdict

    if fmt not in FORMATS:
        raise UserError(
            f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}", EXIT_BAD_INPUT
        )
    if timeout is not None and timeout <= 0:
        raise UserError("--timeout must be a positive number of seconds", EXIT_BAD_INPUT)
    for flag, value in (("--max-steps", max_steps), ("--partition-steps", partition_steps)):
        if value is not None and value < 1:
            raise UserError(f"{flag} must be a positive number of steps", EXIT_BAD_INPUT)
    try:
        history = load_history(file, fmt)
    except HistoryError as err:
        raise UserError(str(err), EXIT_BAD_INPUT) from None
    name = model_name or history.model or DEFAULT_MODEL.get(fmt)
    if name is None:
        raise UserError(f"{file}: the file names no model; pass --model", EXIT_BAD_INPUT)
    try:
        model = model_named(name)
    except KeyError as err:
        raise UserError(str(err.args[0]), EXIT_BAD_INPUT) from None
    try:
        result = check(
            history,
            model,
            timeout=timeout,
            max_steps=max_steps,
            partition_steps=partition_steps,
        )
    except ValueError as err:  # an operation that does not fit the model
        raise UserError(f"{file}: {err}", EXIT_BAD_INPUT) from None
    typer.echo(result.summary())
    if html_out is not None:
        try:
            write_html(html_out, history, model, result)
        except OSError as err:
            raise UserError(f"cannot write {html_out}: {err.strerror}", EXIT_BAD_INPUT) from None
        typer.echo(f"report: {html_out}")
    return {Verdict.OK: EXIT_OK, Verdict.ILLEGAL: EXIT_ILLEGAL, Verdict.UNKNOWN: EXIT_UNKNOWN}[
        result.verdict
    ]


def register(app: typer.Typer) -> None:
    """Add `kubelab check` to the root app."""

    @app.command("check", cls=usage_exit_command(EXIT_BAD_INPUT))
    def check_command(  # noqa: PLR0917 - typer maps each parameter to a CLI option
        file: Path = typer.Argument(..., help="History file (kubelab JSONL, Jepsen log, EDN)."),
        model: str | None = typer.Option(
            None,
            "--model",
            "-m",
            help="register | cas-register | kv | set | queue | store (default: from the file).",
        ),
        fmt: str = typer.Option("auto", "--format", "-f", help="auto | jsonl | jepsen | edn-kv"),
        timeout: float | None = typer.Option(
            None, "--timeout", help="Give up after SECONDS: verdict unknown, exit 2."
        ),
        html: Path | None = typer.Option(None, "--html", help="Write an HTML timeline here."),
        max_steps: int | None = typer.Option(
            None, "--max-steps", help="Give up after STEPS model steps over all parts (exit 2)."
        ),
        partition_steps: int | None = typer.Option(
            None, "--partition-steps", help="At most STEPS model steps per search of one part."
        ),
    ) -> None:
        """Check a history for linearizability: exit 0 yes, 1 no, 2 unknown, 3 bad input."""
        code = check_file(
            file, model, fmt, timeout, html, max_steps=max_steps, partition_steps=partition_steps
        )
        raise typer.Exit(code)
