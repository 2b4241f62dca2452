"""Command registration (being written: its owner replaces this placeholder)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app` (none yet)."""
