"""Maelstrom's wire protocol: JSON lines ``{"src", "dest", "body"}`` and its error codes.

Every error code says whether the request *definitely* did not happen (a client records
`fail`) or *may* have happened (`info`). Codes and meanings follow Maelstrom's
`doc/protocol.md`.
"""

from __future__ import annotations

import json
from typing import Any

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


def error_body(code: int, text: str, in_reply_to: int | None) -> dict[str, Any]:
    """An ``error`` reply body."""
    body: dict[str, Any] = {"type": "error", "code": code, "text": text}
    if in_reply_to is not None:
        body["in_reply_to"] = in_reply_to
    return body


def encode(src: str, dest: str, body: dict[str, Any]) -> str:
    """One protocol line (with its newline) for a message from `src` to `dest`."""
    return json.dumps({"src": src, "dest": dest, "body": body}, separators=(",", ":")) + "\n"


class ProtocolError(ValueError):
    """A node printed something that is not a Maelstrom message; the text says what."""


def decode(line: str) -> tuple[str, str, dict[str, Any]]:
    """Parse one line into ``(src, dest, body)``; `ProtocolError` naming the problem."""
    try:
        msg = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON ({exc.msg}): {line.strip()[:120]!r}") from None
    if not isinstance(msg, dict):
        raise ProtocolError(f"a message must be a JSON object, got {line.strip()[:120]!r}")
    src, dest, body = msg.get("src"), msg.get("dest"), msg.get("body")
    if not isinstance(src, str) or not isinstance(dest, str) or not isinstance(body, dict):
        raise ProtocolError(
            f'a message needs "src" and "dest" strings and a "body" object: {line.strip()[:120]!r}'
        )
    if not isinstance(body.get("type"), str):
        raise ProtocolError(f'the body needs a "type" string: {line.strip()[:120]!r}')
    return src, dest, body
