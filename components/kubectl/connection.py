"""Reaching the API server from a command: the kubeconfig, a client, one-line failures.

The kubeconfig is ``--kubeconfig``, else the first path in ``$KUBECONFIG``, else
``~/.kubelab/kubeconfig``. Server errors and an unreachable server end in one line.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import trio

from kernel.api.errors import StatusError
from kernel.cli.errors import UserError
from kernel.client import APIConnectionError, HTTPClient, load_kubeconfig, open_http_client
from kernel.client.http import kubeconfig_ssl_context
from kernel.client.kubeconfig import KubeconfigInfo
from kernel.objects import ResourceInfo


def server_error(err: StatusError) -> str:
    """Kubectl's line for a failed request: ``Error from server (NotFound): ...``."""
    return f"Error from server ({err.reason}): {err.message}"


def kubeconfig_path(option: str | None) -> Path:
    """``--kubeconfig``, else the first path in ``$KUBECONFIG``, else ``~/.kubelab/kubeconfig``."""
    if option:
        return Path(option)
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    return Path(first) if first else Path.home() / ".kubelab" / "kubeconfig"


def read_kubeconfig(option: str | None) -> KubeconfigInfo:
    """The kubeconfig's server and credentials; `UserError` naming the file when unusable."""
    path = kubeconfig_path(option)
    if not path.is_file():
        raise UserError(
            f"no kubeconfig at {path}: start a cluster with `kubelab up` or pass --kubeconfig",
            exit_code=1,
        )
    try:
        config = load_kubeconfig(path)
        kubeconfig_ssl_context(config)  # bad certificate data: one line now, not a traceback
        return config
    except (OSError, ValueError) as err:
        raise UserError(f"unusable kubeconfig: {err}", exit_code=1) from None


def run_with_client(config: KubeconfigInfo, work: Callable[[HTTPClient], Awaitable[None]]) -> None:
    """Run `work` under trio with a client; server and transport failures become one line."""

    async def main() -> None:
        context = kubeconfig_ssl_context(config)
        async with open_http_client(
            config.server, token=config.token, ssl_context=context
        ) as client:
            await work(client)

    try:
        trio.run(main)
    except StatusError as err:
        raise UserError(server_error(err), exit_code=1) from None
    except APIConnectionError as err:
        raise UserError(
            f"cannot reach the API server at {config.server} ({err}); is `kubelab up` running?",
            exit_code=1,
        ) from None


def namespace_for(info: ResourceInfo, namespace: str | None, config: KubeconfigInfo) -> str:
    """The namespace a command acts in: empty for cluster-scoped kinds."""
    return (namespace or config.namespace or "default") if info.namespaced else ""


__all__ = [
    "kubeconfig_path",
    "namespace_for",
    "read_kubeconfig",
    "run_with_client",
    "server_error",
]
