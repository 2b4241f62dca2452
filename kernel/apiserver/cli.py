"""`kubelab up`: run the API server in the foreground over the configured store.

The store is chosen by name through the registry (`memory` by default, `etcd`, `raft` or a
student's `module:attribute`), so the kernel never imports an implementation. `up` writes a
kubeconfig for an admin identity into the state directory and stops cleanly on Ctrl-C or
SIGTERM.
"""

from __future__ import annotations

import errno
import secrets
import signal
import sys
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import trio
import typer

from kernel.apiserver.server import APIServer
from kernel.apiserver.serving import AddressInUseError, serve_http
from kernel.cli.errors import UserError
from kernel.client.kubeconfig import write_kubeconfig
from kernel.interfaces.store import StoreUnavailableError
from kernel.registry import RegistryError, check_options, resolve


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


async def run_up(
    store: str,
    options: dict[str, Any],
    address: str,
    port: int,
    state_dir: Path,
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Open the store, start the API server, write the kubeconfig; serve until cancelled."""
    try:
        impl = resolve("store", store)
        check_options(impl, options)
    except RegistryError as err:
        raise UserError(f"--store: {err}") from None
    async with AsyncExitStack() as stack:
        try:
            backend = await stack.enter_async_context(impl.factory(**options))  # type: ignore[arg-type]
        except (ValueError, StoreUnavailableError) as err:
            raise UserError(f"--store {store}: cannot open the store: {err}") from None
        server = APIServer(store=backend)
        await server.start()
        async with trio.open_nursery() as nursery:
            try:
                url = await nursery.start(serve_http, server, address, port)
            except AddressInUseError as err:
                raise UserError(f"--api-port: {err}") from None
            except OSError as err:
                raise UserError(f"--api-address {address}: {err.strerror or err}") from None
            kubeconfig = write_kubeconfig(
                state_dir / "kubeconfig", url, token=secrets.token_urlsafe(24)
            )
            print(f"kubelab: API server at {url} (store: {impl.label})", flush=True)
            print(f"kubelab: kubeconfig written to {kubeconfig}", flush=True)
            print("kubelab: press Ctrl-C to stop", flush=True)
            task_status.started(url)


async def _serve_until_signal(
    store: str, options: dict[str, Any], address: str, port: int, state_dir: Path
) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(run_up, store, options, address, port, state_dir)
            async for _ in signals:
                nursery.cancel_scope.cancel()
                break


def register(app: typer.Typer) -> None:
    """Add `kubelab up` to the root app."""

    @app.command("up")
    def up_cmd(
        api_address: str = typer.Option(
            "127.0.0.1", "--api-address", help="Address the API server listens on."
        ),
        api_port: int = typer.Option(
            6443,
            "--api-port",
            min=0,
            max=65535,
            help="Port the API server listens on (0: any free).",
        ),
        store: str = typer.Option(
            "memory", "--store", help="Store implementation: a registered name or module:attr."
        ),
        etcd_endpoints: str | None = typer.Option(
            None, "--etcd-endpoints", help="Comma-separated etcd client URLs (--store etcd)."
        ),
        state_dir: Path = typer.Option(
            Path("~/.kubelab"), "--state-dir", help="Where the kubeconfig is written."
        ),
    ) -> None:
        """Run a local cluster in the foreground: the store and the API server. Ctrl-C stops."""
        options = store_options(store, etcd_endpoints)
        directory = state_dir.expanduser()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UserError(f"--state-dir {directory}: {err.strerror or err}") from None
        try:
            trio.run(_serve_until_signal, store, options, api_address, api_port, directory)
        except BaseExceptionGroup as group:
            raise _user_error(group, api_address, api_port) or group from None
        print("kubelab: stopped", file=sys.stderr)


def _user_error(group: BaseExceptionGroup, address: str, port: int) -> UserError | None:
    """The user's mistake inside `group` (trio and hypercorn wrap errors in groups), if any."""
    for exc in _leaves(group):
        if isinstance(exc, UserError):
            return exc
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            return UserError(f"--api-port: cannot listen on {address}:{port}: address in use")
        if isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL:
            return UserError(f"--api-address: cannot listen on {address}: address not available")
    return None


def _leaves(group: BaseExceptionGroup) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out
