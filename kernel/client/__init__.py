"""Clients of the API server: one typed `Client` interface, two identical implementations.

- `HTTPClient` (``open_http_client(url)``): over HTTP, for real clusters and tools.
- `components.apiserver.inprocess_client.InProcessClient`: direct calls into a server, for
  simulations (it lives with the server, so this package loads no server code).

Both raise the server's `StatusError` subclasses (`kernel.api.errors`) and expose `raw`, the
untyped `RawAPI` on wire dicts.
"""

from __future__ import annotations

from kernel.client._typed import TypedClient, resource_of
from kernel.client.http import HTTPClient, open_http_client, open_http_client_from_kubeconfig
from kernel.client.kubeconfig import KubeconfigInfo, load_kubeconfig, write_kubeconfig
from kernel.client.protocol import Client
from kernel.client.raw import RawAPI
from kernel.client.types import APIConnectionError, ObjectList, Scale, WatchEvent
from kernel.client.watch import EventStream

__all__ = [
    "APIConnectionError",
    "Client",
    "EventStream",
    "HTTPClient",
    "KubeconfigInfo",
    "ObjectList",
    "RawAPI",
    "Scale",
    "TypedClient",
    "WatchEvent",
    "load_kubeconfig",
    "open_http_client",
    "open_http_client_from_kubeconfig",
    "resource_of",
    "write_kubeconfig",
]
