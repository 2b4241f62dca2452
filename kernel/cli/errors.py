"""The one exception type the CLI turns into a single line on stderr and a non-zero exit."""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix (bad argument, missing file, unreachable server).

    The CLI prints ``kubelab: <message>`` and exits with ``exit_code``, never a traceback.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
