"""The one exception type the CLI turns into a single line on stderr, and that line's form."""

from __future__ import annotations

import sys


def complain(message: str) -> None:
    """Print ``kubelab: <message>`` on stderr: every failure line of the CLI has this form."""
    print(f"kubelab: {message}", file=sys.stderr)


class UserError(Exception):
    """A mistake the user can fix (bad argument, missing file, unreachable server).

    The CLI prints ``kubelab: <message>`` and exits with ``exit_code``, never a traceback.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
