"""The network errors both `NetStack` worlds raise: one `except` works in real and simulated runs.

Each is a subclass of the matching builtin `OSError` (and the reset error also of
`trio.BrokenResourceError`, so trio code that handles a broken stream needs no change).
"""

from __future__ import annotations

import trio


class NetRefusedError(ConnectionRefusedError):
    """Nothing listens at the address (definite: the connection never existed)."""


class NetResetError(trio.BrokenResourceError, ConnectionResetError):
    """The peer's end went away (killed host, aborted stream); bytes in flight may be lost."""


class NetTimeoutError(TimeoutError):
    """No answer to a connect within its timeout (a partition, a paused or silent host)."""


__all__ = ["NetRefusedError", "NetResetError", "NetTimeoutError"]
