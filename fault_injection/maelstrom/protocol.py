"""Maelstrom's wire protocol: JSON lines ``{"src", "dest", "body"}`` and ``error`` bodies.

The error codes themselves are in `kernel.maelstrom_codes` (node programs in components use
them too).
"""

from __future__ import annotations

import json
from typing import Any


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
