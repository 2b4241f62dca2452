"""Kernel commands: `version` (more are added by the kernel issue's CLI work)."""

from __future__ import annotations

from importlib.metadata import version as dist_version

import typer


def register(app: typer.Typer) -> None:
    """Add the kernel's own commands to the root app."""

    @app.command("version")
    def version_cmd() -> None:
        """Print kubelab's version."""
        typer.echo(f"kubelab {dist_version('kubelab')}")
