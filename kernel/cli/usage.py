"""Commands whose usage errors exit with their own code instead of click's 2.

Click ends every usage error (unknown option, bad value, missing argument) with exit status 2.
A command whose documented codes give 2 another meaning (``kubelab check``: 2 is "unknown")
is declared with ``cls=usage_exit_command(3)``; `kernel.cli.app.main` then exits with that code.
"""

from __future__ import annotations

from typing import ClassVar

from typer.core import TyperCommand

CLICK_USAGE_EXIT = 2
"""The exit status click gives a usage error."""


class UsageExitCommand(TyperCommand):
    """A typer command whose usage errors exit with `usage_exit_code`."""

    usage_exit_code: ClassVar[int] = CLICK_USAGE_EXIT


def usage_exit_command(code: int) -> type[TyperCommand]:
    """A command class (for ``app.command(cls=...)``) whose usage errors exit with `code`."""
    return type(f"UsageExit{code}Command", (UsageExitCommand,), {"usage_exit_code": code})


def usage_exit_code(err: Exception) -> int:
    """The exit status of a usage error: its command's declared code, else click's own."""
    ctx = getattr(err, "ctx", None)
    command = getattr(ctx, "command", None)
    if isinstance(command, UsageExitCommand):
        return command.usage_exit_code
    return int(getattr(err, "exit_code", CLICK_USAGE_EXIT))


__all__ = ["CLICK_USAGE_EXIT", "UsageExitCommand", "usage_exit_code", "usage_exit_command"]
