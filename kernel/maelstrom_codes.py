"""Maelstrom's error codes: what a node program's ``error`` reply means to its client.

Every system under test speaks Maelstrom-shaped request bodies (`kernel.hosting` programs such
as the Raft store's member, and the simulator's clients), so the codes live here, once, for
both sides. Each code says whether the request *definitely* did not happen (a client records
`fail`) or *may* have happened (`info`); codes and meanings follow Maelstrom's
`doc/protocol.md`.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class ErrorCode:
    """One Maelstrom error code: its number, name and whether it is definite."""

    code: int
    name: str
    definite: bool
    """True: the operation certainly did not take effect."""


ERROR_CODES: dict[int, ErrorCode] = {
    e.code: e
    for e in (
        ErrorCode(0, "timeout", definite=False),
        ErrorCode(1, "node-not-found", definite=True),
        ErrorCode(10, "not-supported", definite=True),
        ErrorCode(11, "temporarily-unavailable", definite=True),
        ErrorCode(12, "malformed-request", definite=True),
        ErrorCode(13, "crash", definite=False),
        ErrorCode(14, "abort", definite=True),
        ErrorCode(20, "key-does-not-exist", definite=True),
        ErrorCode(21, "key-already-exists", definite=True),
        ErrorCode(22, "precondition-failed", definite=True),
        ErrorCode(30, "txn-conflict", definite=True),
    )
}
"""Maelstrom's standard error codes; unknown codes (custom, >= 1000) count as indefinite."""

NOT_SUPPORTED = 10
TEMPORARILY_UNAVAILABLE = 11
MALFORMED_REQUEST = 12
CRASH = 13
KEY_DOES_NOT_EXIST = 20
PRECONDITION_FAILED = 22


def is_definite(code: int) -> bool:
    """Whether an error with `code` means the request certainly did not take effect."""
    known = ERROR_CODES.get(code)
    return known.definite if known is not None else False


def error_name(code: int) -> str:
    """Maelstrom's name for `code`, or ``code-N`` for a custom one."""
    known = ERROR_CODES.get(code)
    return known.name if known is not None else f"code-{code}"


__all__ = [
    "CRASH",
    "ERROR_CODES",
    "KEY_DOES_NOT_EXIST",
    "MALFORMED_REQUEST",
    "NOT_SUPPORTED",
    "PRECONDITION_FAILED",
    "TEMPORARILY_UNAVAILABLE",
    "ErrorCode",
    "error_name",
    "is_definite",
]
