"""Kernel commands: `version`, and `config validate` / `config default` for cluster configs.

`kubelab up` is not here: the API server registers it (components/apiserver/cli.py).
"""

from __future__ import annotations

from importlib.metadata import version as dist_version

import typer

from kernel.cli.errors import UserError, complain
from kernel.config import DEFAULT_CONFIG_TOML, ClusterConfig, ConfigError, load_config
from kernel.registry import (
    Registry,
    RegistryError,
    check_implementation,
    check_options,
    default_registry,
)


def validate_config(config: ClusterConfig, registry: Registry) -> tuple[list[str], list[str]]:
    """Resolve and check every configured part; return (report lines, problem sentences).

    A part is a problem when its name is unknown, its factory cannot be imported, its options
    do not fit the factory, or its product (when its class is known) lacks interface members.
    """
    c = config.cluster
    report = [
        f"{config.source}: cluster {c.name}: services {c.service_cidr}, pods {c.pod_cidr}, "
        f"domain {c.cluster_domain}"
    ]
    problems: list[str] = []
    parts = config.parts()
    if not parts:
        report.append("  no parts configured")
    for part, settings in parts.items():
        try:
            impl = registry.resolve(part, settings.implementation)
            check_options(impl, settings.options)
            checked = check_implementation(impl)
        except RegistryError as err:
            problems.append(str(err))
            report.append(f"  {part:<10} {settings.implementation}: FAILED")
            continue
        where = "" if impl.name == impl.target else f" ({impl.target})"
        verdict = (
            f"implements {impl.part.interface.__name__}"
            if checked
            else "loads (its product is checked when it starts)"
        )
        report.append(f"  {part:<10} {impl.name}{where}: {verdict}")
    return report, problems


def register(app: typer.Typer) -> None:
    """Add the kernel's own commands to the root app."""

    @app.command("version")
    def version_cmd() -> None:
        """Print kubelab's version."""
        typer.echo(f"kubelab {dist_version('kubelab')}")

    config_app = typer.Typer(
        name="config", help="Check and show cluster config files.", no_args_is_help=True
    )
    app.add_typer(config_app, name="config")

    @config_app.command("validate")
    def validate_cmd(
        file: str = typer.Argument(..., metavar="FILE", help="The cluster config (TOML)."),
    ) -> None:
        """Check a cluster config: its shape, and that every named implementation fits.

        Exit status 0 when everything checks out, 1 when a part has a problem; a file that
        cannot be read or parsed is reported on one line.
        """
        try:
            config = load_config(file)
        except ConfigError as err:
            raise UserError(str(err)) from None
        report, problems = validate_config(config, default_registry)
        for line in report:
            typer.echo(line)
        if not problems:
            return
        *earlier, last = (f"{config.source}: {problem}" for problem in problems)
        for problem in earlier:
            complain(problem)
        # The last one goes through UserError so the exit status is 1 whatever the runner.
        raise UserError(last, exit_code=1)

    @config_app.command("default")
    def default_cmd() -> None:
        """Print the embedded default config (a starting point for your own)."""
        typer.echo(DEFAULT_CONFIG_TOML, nl=False)
