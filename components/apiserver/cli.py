"""`kubelab up`: run the API server in the foreground over the chosen store (see `up`).

The store is chosen by name through the registry (`memory` by default, `etcd`, `raft` or a
student's `module:attribute`), so the kernel never imports an implementation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio
import typer

from components.apiserver.compactor import COMPACTION_INTERVAL_SECONDS
from components.apiserver.limits import (
    IDLE_TIMEOUT_SECONDS,
    MAX_CONNECTIONS,
    READ_HEADER_TIMEOUT_SECONDS,
    REQUEST_TIMEOUT_SECONDS,
    ServingLimits,
)
from components.apiserver.up import UpError, UpOptions, run_up
from kernel.cli.core import validate_config
from kernel.cli.errors import UserError
from kernel.config import ClusterConfig, ConfigError, PartConfig, load_config
from kernel.launch import LAUNCH_ORDER
from kernel.registry import default_registry


def etcd_tls_options(store: str, files: dict[str, Path | None]) -> dict[str, Any]:
    """``--etcd-cafile/--etcd-certfile/--etcd-keyfile`` as store options (kube-apiserver's)."""
    given = {flag: path for flag, path in files.items() if path is not None}
    if not given:
        return {}
    if store != "etcd":
        raise UserError(f'{next(iter(given))} only applies to --store etcd (not "{store}")')
    for flag, path in given.items():
        if not path.is_file():
            raise UserError(f"{flag} {path}: no such file")
    if ("--etcd-certfile" in given) != ("--etcd-keyfile" in given):
        raise UserError("--etcd-certfile and --etcd-keyfile go together")
    names = {"--etcd-cafile": "cafile", "--etcd-certfile": "certfile", "--etcd-keyfile": "keyfile"}
    return {names[flag]: path for flag, path in given.items()}


def store_options(store: str, etcd_endpoints: str | None) -> dict[str, Any]:
    """The options `up` passes to the store factory; `--etcd-endpoints` only fits `etcd`."""
    if etcd_endpoints is None:
        return {}
    if store != "etcd":
        raise UserError(f'--etcd-endpoints only applies to --store etcd (not "{store}")')
    endpoints = [e.strip() for e in etcd_endpoints.split(",") if e.strip()]
    if not endpoints:
        raise UserError("--etcd-endpoints: give at least one URL, e.g. http://127.0.0.1:2379")
    return {"endpoints": endpoints}


def load_cluster_config(config: Path | None) -> ClusterConfig:
    """`--config`'s cluster config, validated against the registry; the embedded default if none."""
    if config is None:
        return ClusterConfig.default()
    try:
        loaded = load_config(config)
    except ConfigError as err:
        raise UserError(str(err)) from None
    _, problems = validate_config(loaded, default_registry)
    if problems:
        raise UserError(f"{config}: {problems[0]}")
    return loaded


def choose_store(
    store: str | None, etcd_endpoints: str | None, config: Path | None
) -> tuple[str, dict[str, Any]]:
    """The store `up` opens and its options: from `--config`'s [store] table, or the flags."""
    if config is None:
        name = store or "memory"
        return name, store_options(name, etcd_endpoints)
    if store is not None or etcd_endpoints is not None:
        raise UserError("--config names the store: drop --store/--etcd-endpoints, or --config")
    part = load_cluster_config(config).store
    if part is None:
        raise UserError(f"{config}: [store] is missing: name the store to run")
    return part.implementation, dict(part.options)


def launched_parts(loaded: ClusterConfig) -> dict[str, PartConfig]:
    """The parts besides the store that `up` runs: every table the config has for one."""
    return {name: part for name, part in loaded.parts().items() if name in LAUNCH_ORDER}


def register(app: typer.Typer) -> None:
    """Add `kubelab up` to the root app."""

    @app.command("up")
    def up_cmd(  # noqa: PLR0917 - typer maps one parameter per option
        api_address: str = typer.Option(
            "127.0.0.1", "--api-address", help="Address the API server listens on."
        ),
        api_port: int = typer.Option(
            6443, "--api-port", min=0, max=65535, help="Port to listen on (0: any free)."
        ),
        store: str | None = typer.Option(
            None,
            "--store",
            help="Store implementation: a registered name or module:attr (default: memory).",
        ),
        config: Path | None = typer.Option(
            None,
            "--config",
            help="Cluster config (TOML): runs the implementations it names, with their options.",
        ),
        etcd_endpoints: str | None = typer.Option(
            None, "--etcd-endpoints", help="Comma-separated etcd client URLs (--store etcd)."
        ),
        state_dir: Path = typer.Option(
            Path("~/.kubelab"), "--state-dir", help="Where the kubeconfig and tokens go."
        ),
        request_timeout: float = typer.Option(
            REQUEST_TIMEOUT_SECONDS, "--request-timeout", min=0.001, help="Seconds to send a body."
        ),
        read_header_timeout: float = typer.Option(
            READ_HEADER_TIMEOUT_SECONDS,
            "--read-header-timeout",
            min=0.001,
            help="Seconds to send a request head once begun.",
        ),
        idle_timeout: float = typer.Option(
            IDLE_TIMEOUT_SECONDS, "--idle-timeout", min=0.001, help="Seconds a keep-alive may idle."
        ),
        max_connections: int = typer.Option(
            MAX_CONNECTIONS, "--max-connections", min=1, help="Open client connections at once."
        ),
        compaction_interval: float = typer.Option(
            COMPACTION_INTERVAL_SECONDS,
            "--etcd-compaction-interval",
            min=0,
            help="Seconds between store compactions (0: never).",
        ),
        etcd_cafile: Path | None = typer.Option(
            None, "--etcd-cafile", help="CA that signed etcd's certificate (https endpoints)."
        ),
        etcd_certfile: Path | None = typer.Option(
            None, "--etcd-certfile", help="Client certificate for etcd (mutual TLS)."
        ),
        etcd_keyfile: Path | None = typer.Option(
            None, "--etcd-keyfile", help="Key of --etcd-certfile."
        ),
        insecure_http: bool = typer.Option(
            False,
            "--insecure-http",
            help="Serve plain HTTP instead of HTTPS (kubectl then sends no credentials).",
        ),
    ) -> None:
        """Run a local cluster in the foreground: the store and the API server. Ctrl-C stops."""
        store, options = choose_store(store, etcd_endpoints, config)
        loaded = load_cluster_config(config)
        limits = ServingLimits(
            request_timeout=request_timeout,
            read_header_timeout=read_header_timeout,
            idle_timeout=idle_timeout,
            max_connections=max_connections,
        )
        opts = UpOptions(
            store,
            {
                **options,
                **etcd_tls_options(
                    store,
                    {
                        "--etcd-cafile": etcd_cafile,
                        "--etcd-certfile": etcd_certfile,
                        "--etcd-keyfile": etcd_keyfile,
                    },
                ),
            },
            api_address,
            api_port,
            state_dir,
            limits=limits,
            compaction_interval=compaction_interval,
            insecure_http=insecure_http,
            cluster=loaded.cluster,
            parts=launched_parts(loaded),
        )
        try:
            trio.run(run_up, opts)
        except UpError as err:
            raise UserError(str(err), exit_code=1) from None
        except OSError as err:
            raise UserError(f"--state-dir {state_dir}: {err.strerror or err}") from None
        except BaseException as err:
            if _interrupted(err):  # a second Ctrl-C while stopping: stop now, no traceback
                raise UserError("interrupted", exit_code=130) from None
            raise


def _interrupted(error: BaseException) -> bool:
    """Whether `error` is a KeyboardInterrupt, or a group holding nothing else."""
    if isinstance(error, BaseExceptionGroup):
        match, rest = error.split(KeyboardInterrupt)
        return match is not None and rest is None
    return isinstance(error, KeyboardInterrupt)
