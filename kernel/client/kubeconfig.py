"""Kubeconfig files: write the one `kubelab up` hands out, read the current context back.

The format is kubectl's (clusters, users, contexts, current-context), so kubectl and the
official Python client load the same file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs
import yaml

CONTEXT = "kubelab"
CLUSTER = "kubelab"
USER = "admin"


@attrs.frozen
class KubeconfigInfo:
    """What a client needs from a kubeconfig: the server URL and credentials."""

    server: str
    token: str | None = None
    namespace: str = "default"


def kubeconfig_document(server: str, *, token: str | None = None) -> dict[str, Any]:
    """The kubeconfig for `server`: cluster kubelab, user admin, context kubelab."""
    user: dict[str, Any] = {"token": token} if token else {}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": CLUSTER, "cluster": {"server": server}}],
        "users": [{"name": USER, "user": user}],
        "contexts": [
            {"name": CONTEXT, "context": {"cluster": CLUSTER, "user": USER, "namespace": "default"}}
        ],
        "current-context": CONTEXT,
    }


def write_kubeconfig(path: str | Path, server: str, *, token: str | None = None) -> Path:
    """Write the kubeconfig (mode 0600: it may hold a token); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(kubeconfig_document(server, token=token), sort_keys=False)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    tmp.replace(target)
    return target


def load_kubeconfig(path: str | Path, context: str | None = None) -> KubeconfigInfo:
    """The server, token and namespace of `context` (default: the current context)."""
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ValueError(f"{path}{where}: not valid YAML") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a kubeconfig is a YAML mapping (clusters, users, contexts)")  # noqa: TRY004 - bad file content, not a caller bug
    name = context or data.get("current-context")
    ctx = _named(data.get("contexts"), name, "context", path)
    cluster = _named(data.get("clusters"), ctx.get("cluster"), "cluster", path)
    user = _named(data.get("users"), ctx.get("user"), "user", path) if ctx.get("user") else {}
    server = cluster.get("server")
    if not server:
        raise ValueError(f"{path}: cluster {ctx.get('cluster')!r} has no server")
    return KubeconfigInfo(str(server), user.get("token"), ctx.get("namespace") or "default")


def _named(items: Any, name: Any, what: str, path: str | Path) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            return item.get(what) or {}
    raise ValueError(f"{path}: no {what} named {name!r}")


__all__ = [
    "CLUSTER",
    "CONTEXT",
    "USER",
    "KubeconfigInfo",
    "kubeconfig_document",
    "load_kubeconfig",
    "write_kubeconfig",
]
