"""`HTTPClient`: the typed client over HTTP (httpx under trio).

``async with open_http_client("http://127.0.0.1:6443") as client:`` or
``open_http_client_from_kubeconfig(path)``. One pooled connection set per client; a bearer
token, when given, goes in the Authorization header of every request. HTTPS verifies the
server against the given `ssl.SSLContext` (a kubeconfig's CA and client certificate).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from kernel.client._raw_http import HTTPRaw
from kernel.client._typed import TypedClient
from kernel.client.kubeconfig import KubeconfigInfo, load_kubeconfig
from kernel.client.tls import client_context

DEFAULT_TIMEOUT = 30.0
"""Seconds a non-watch request may take before it fails (indefinitely: it may have happened)."""


class HTTPClient(TypedClient):
    """A `Client` talking to an API server over HTTP."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        super().__init__(HTTPRaw(http))
        self.http = http


@asynccontextmanager
async def open_http_client(
    url: str,
    *,
    token: str | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    max_connections: int = 100,
    ssl_context: ssl.SSLContext | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[HTTPClient]:
    """Open a client for the server at `url` for the duration of the block.

    `transport` replaces httpx's socket transport (``env_http``: connections over `Env.net`).
    """
    headers = {"accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    async with httpx.AsyncClient(
        base_url=url.rstrip("/"),
        headers=headers,
        timeout=timeout,
        limits=limits,
        trust_env=False,
        verify=ssl_context if ssl_context is not None else True,
        transport=transport,
    ) as http:
        yield HTTPClient(http)


@asynccontextmanager
async def open_http_client_from_kubeconfig(path: str | Path) -> AsyncIterator[HTTPClient]:
    """Open a client for the current context of a kubeconfig file."""
    config = load_kubeconfig(path)
    context = kubeconfig_ssl_context(config)
    async with open_http_client(config.server, token=config.token, ssl_context=context) as client:
        yield client


def kubeconfig_ssl_context(config: KubeconfigInfo) -> ssl.SSLContext | None:
    """The TLS context a kubeconfig describes (None for a plain-HTTP server)."""
    if not config.server.startswith("https://"):
        return None
    return client_context(
        config.ca_pem,
        config.client_cert_pem,
        config.client_key_pem,
        verify=not config.insecure_skip_tls_verify,
    )


__all__ = [
    "HTTPClient",
    "kubeconfig_ssl_context",
    "open_http_client",
    "open_http_client_from_kubeconfig",
]
