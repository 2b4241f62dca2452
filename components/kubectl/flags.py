"""Checks of the option values kubectl-like commands share: selectors, --dry-run, -L.

Each bad value is a `UserError` naming the flag, raised before any request is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from kernel.api.errors import BadRequest
from kernel.api.selectors import LabelQuery, parse_label_selector
from kernel.cli.errors import UserError
from kernel.objects import is_qualified_name

DryRun = Literal["none", "client", "server"]
DRY_RUN_SUFFIX: Mapping[str, str] = {
    "none": "",
    "client": " (dry run)",
    "server": " (server dry run)",
}
"""What kubectl appends to ``created`` / ``deleted`` / ``pruned`` per --dry-run strategy."""


def label_query(text: str, flag: str = "-l/--selector") -> LabelQuery:
    """The parsed label selector; `UserError` naming `flag` when it does not parse."""
    try:
        return parse_label_selector(text)
    except BadRequest as err:
        raise UserError(f"invalid {flag}: {err.message}") from None


def dry_run_strategy(value: str) -> DryRun:
    """``none``, ``client`` or ``server``; anything else is kubectl's one-line complaint."""
    if value == "none":
        return "none"
    if value == "client":
        return "client"
    if value == "server":
        return "server"
    raise UserError(f'invalid --dry-run value ({value}): must be "none", "server", or "client"')


def label_columns(values: list[str] | None) -> tuple[str, ...]:
    """The label keys of ``-L a,b -L c`` in order, each checked as a label key."""
    keys: list[str] = []
    for value in values or []:
        for key in value.split(","):
            key = key.strip()
            if not key:
                continue
            problems = is_qualified_name(key)
            if problems:
                raise UserError(f"invalid -L/--label-columns value {key!r}: {problems[0]}")
            keys.append(key)
    return tuple(keys)


def check_selection(*, names: bool, selector: str, field_selector: str, select_all: bool) -> None:
    """Kubectl's rules on combining object names, selectors and ``--all``."""
    if select_all and selector:
        raise UserError("cannot set --all and --selector at the same time")
    if select_all and field_selector:
        raise UserError("cannot set --all and --field-selector at the same time")
    if names and (selector or field_selector or select_all):
        raise UserError("name cannot be provided when a selector is specified")


__all__ = [
    "DRY_RUN_SUFFIX",
    "DryRun",
    "check_selection",
    "dry_run_strategy",
    "label_columns",
    "label_query",
]
