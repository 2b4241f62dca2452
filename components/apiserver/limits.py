"""The API server's serving limits: timeouts, sizes and connection counts, with their defaults.

Kubernetes' values where it has them: kube-apiserver's ``--request-timeout`` (60 s) bounds a
request body's read, its secure server's ``ReadHeaderTimeout`` (32 s) a request head's and
``IdleTimeout`` (90 s) an idle keep-alive connection; 3 MiB is its request size limit. Go's
1 MiB header limit is cut to 64 KiB (no API request needs more). Kubernetes has no total
connection limit (it bounds requests in flight); one process here has one fd table, so new
connections past `max_connections` are closed at once, with one log line, instead of letting
the process run out of descriptors and hang every client.
"""

from __future__ import annotations

import attrs

REQUEST_TIMEOUT_SECONDS = 60.0
"""kube-apiserver's --request-timeout: a request body must arrive within it."""
READ_HEADER_TIMEOUT_SECONDS = 32.0
"""kube-apiserver's ReadHeaderTimeout: a request head must arrive within it once begun."""
IDLE_TIMEOUT_SECONDS = 90.0
"""kube-apiserver's IdleTimeout: an idle keep-alive connection is closed after it."""
MAX_HEAD_BYTES = 64 * 1024
"""Largest request line plus headers (431 past it)."""
MAX_BODY_BYTES = 3 * 1024 * 1024
"""Kubernetes' request size limit (413 past it)."""
MAX_CONNECTIONS = 1024
"""Open client connections at once; more are closed as they arrive."""


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, not {value!r}")


@attrs.frozen
class ServingLimits:
    """How long and how much one client may take of the HTTP front end."""

    request_timeout: float = attrs.field(default=REQUEST_TIMEOUT_SECONDS, validator=_positive)
    """Seconds to receive a request's whole body (408 and close past it)."""
    read_header_timeout: float = attrs.field(
        default=READ_HEADER_TIMEOUT_SECONDS, validator=_positive
    )
    """Seconds from a request head's first byte to its end (408 and close past it)."""
    idle_timeout: float = attrs.field(default=IDLE_TIMEOUT_SECONDS, validator=_positive)
    """Seconds an idle keep-alive connection may wait for its next request."""
    max_head_bytes: int = attrs.field(default=MAX_HEAD_BYTES, validator=_positive)
    """Largest request head (431)."""
    max_body_bytes: int = attrs.field(default=MAX_BODY_BYTES, validator=_positive)
    """Largest request body (413)."""
    max_connections: int = attrs.field(default=MAX_CONNECTIONS, validator=_positive)
    """Open connections at once; a new one past it is closed at once."""


__all__ = [
    "IDLE_TIMEOUT_SECONDS",
    "MAX_BODY_BYTES",
    "MAX_CONNECTIONS",
    "MAX_HEAD_BYTES",
    "READ_HEADER_TIMEOUT_SECONDS",
    "REQUEST_TIMEOUT_SECONDS",
    "ServingLimits",
]
