"""Root of the `kubelab` command: loads command plugins and turns user mistakes into one line.

Commands live next to what they drive. The kernel cannot import `components` or
`fault_injection`, so each package registers its commands through the `kubelab.cli` entry-point
group (a callable taking the root app) and its benchmarks through `kubelab.bench` (a callable
taking the `bench` sub-app).
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer
from typer.exceptions import Abort, Exit, TyperException

from kernel.cli.errors import UserError, complain
from kernel.cli.usage import usage_exit_code

app = typer.Typer(
    name="kubelab",
    help="kubelab: a teaching and testbed Kubernetes-like orchestrator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(
    name="bench",
    help="Benchmarks, each run side by side with its baseline; medians and ratios.",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")

_loaded = False


def load_plugins() -> None:
    """Register every command and benchmark plugin declared by installed packages (once)."""
    global _loaded  # noqa: PLW0603 - one-time registration of a process-wide command table
    if _loaded:
        return
    _loaded = True
    for ep in sorted(entry_points(group="kubelab.cli"), key=lambda e: e.name):
        ep.load()(app)
    for ep in sorted(entry_points(group="kubelab.bench"), key=lambda e: e.name):
        ep.load()(bench_app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a `UserError` or a usage error becomes one line on stderr and an exit code.

    A usage error exits 2 (click's code) unless its command declares another one
    (`kernel.cli.usage.usage_exit_command`).
    """
    load_plugins()
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="kubelab", standalone_mode=False)
    except UserError as err:
        complain(err.message)
        return err.exit_code
    except Exit as ex:
        return int(getattr(ex, "exit_code", getattr(ex, "code", 0)) or 0)
    except Abort:
        complain("aborted")
        return 130
    except TyperException as err:  # usage errors: unknown option, bad value, missing argument
        if type(err).__name__ == "NoArgsIsHelpError":  # help was already printed
            return 0
        fmt = getattr(err, "format_message", None)
        complain(fmt() if fmt else str(err))
        return usage_exit_code(err)
    except KeyboardInterrupt:
        return 130
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
