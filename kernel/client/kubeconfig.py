"""Kubeconfig files: write the one `kubelab up` hands out, read the current context back.

The format is kubectl's (clusters, users, contexts, current-context), so kubectl and the
official Python client load the same file. An HTTPS cluster carries its CA as
``certificate-authority-data``; a user authenticates with a token or a client certificate
(``client-certificate-data``/``client-key-data``); the file forms (``certificate-authority``,
``client-certificate``, ``client-key``) are read too, relative to the kubeconfig.
"""

from __future__ import annotations

import base64
import binascii
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
    ca_pem: bytes | None = None
    """The cluster's CA certificate (PEM); None trusts the system's roots."""
    client_cert_pem: bytes | None = None
    client_key_pem: bytes | None = None
    insecure_skip_tls_verify: bool = False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def kubeconfig_document(
    server: str,
    *,
    token: str | None = None,
    ca_pem: bytes | None = None,
    client_cert: tuple[bytes, bytes] | None = None,
) -> dict[str, Any]:
    """The kubeconfig for `server`: cluster kubelab, user admin, context kubelab.

    `client_cert` is (certificate PEM, key PEM); `ca_pem` the CA that signed the server's.
    """
    user: dict[str, Any] = {"token": token} if token else {}
    if client_cert is not None:
        user["client-certificate-data"] = _b64(client_cert[0])
        user["client-key-data"] = _b64(client_cert[1])
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = _b64(ca_pem)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": CLUSTER, "cluster": cluster}],
        "users": [{"name": USER, "user": user}],
        "contexts": [
            {"name": CONTEXT, "context": {"cluster": CLUSTER, "user": USER, "namespace": "default"}}
        ],
        "current-context": CONTEXT,
    }


def write_kubeconfig(
    path: str | Path,
    server: str,
    *,
    token: str | None = None,
    ca_pem: bytes | None = None,
    client_cert: tuple[bytes, bytes] | None = None,
) -> Path:
    """Write the kubeconfig (mode 0600: it may hold a token or key); returns the path."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    document = kubeconfig_document(server, token=token, ca_pem=ca_pem, client_cert=client_cert)
    text = yaml.safe_dump(document, sort_keys=False)
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
    base = Path(path).parent
    return KubeconfigInfo(
        str(server),
        user.get("token"),
        ctx.get("namespace") or "default",
        ca_pem=_pem(cluster, "certificate-authority", base, path),
        client_cert_pem=_pem(user, "client-certificate", base, path),
        client_key_pem=_pem(user, "client-key", base, path),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify")),
    )


def _pem(section: dict[str, Any], field: str, base: Path, path: str | Path) -> bytes | None:
    """``<field>-data`` (base64) or the file ``<field>`` names; None when neither is set."""
    data = section.get(f"{field}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{path}: {field}-data is not valid base64") from None
    name = section.get(field)
    if not name:
        return None
    try:
        return (base / str(name)).expanduser().read_bytes()
    except OSError as err:
        raise ValueError(f"{path}: {field} {name}: {err.strerror or err}") from None


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
