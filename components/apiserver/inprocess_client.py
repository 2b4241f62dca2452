"""`InProcessClient`: the typed client as direct calls into an `APIServer` (no HTTP).

Used by simulations, where thousands of components share one process; it answers exactly as
`HTTPClient` does (same objects, same `StatusError`s), authenticating through the server's own
authenticator with the headers an HTTP client would send (e.g. a bearer token).
"""

from __future__ import annotations

from collections.abc import Mapping

from components.apiserver.inprocess_raw import InProcessRaw
from components.apiserver.server import APIServer
from kernel.client._typed import TypedClient


class InProcessClient(TypedClient):
    """A `Client` calling an in-process `APIServer`."""

    def __init__(
        self,
        server: APIServer,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        all_headers = dict(headers or {})
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        super().__init__(InProcessRaw(server, all_headers))
        self.server = server


__all__ = ["InProcessClient"]
