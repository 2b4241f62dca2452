"""One client operation: what the history records, the request body, and how replies map.

A request is a Maelstrom-shaped body (``{"type": "read", "key": k}``...). A reply maps to an
outcome: ``*_ok`` is `ok`; an ``error`` whose code is definite is `fail`; anything else, and a
timeout of an operation that writes, is `info` (it may have happened). A read that times out
is recorded `fail`: it changed nothing, so leaving it open would only slow the checker.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from kernel.maelstrom_codes import KEY_DOES_NOT_EXIST, error_name, is_definite

OutcomeName = Literal["ok", "fail", "info"]


@attrs.frozen
class OpSpec:
    """An operation to issue: history `f` and `input`, and the request `body` (no msg_id)."""

    f: str
    input: Any
    body: dict[str, Any]
    reads: bool = False
    """True when the operation changes nothing (safe to record a timeout as `fail`)."""
    missing: Any = None
    """The output to record when a read finds no such key (error 20)."""


@attrs.frozen
class Completion:
    """How an operation ended: the outcome and the output (ok) or error text (fail/info)."""

    outcome: OutcomeName
    output: Any = None
    error: str | None = None


def complete(spec: OpSpec, reply: dict[str, Any]) -> Completion:
    """Map a node's reply body to the operation's outcome."""
    kind = reply.get("type")
    if kind == "error":
        code = reply.get("code")
        code = code if isinstance(code, int) else -1
        text = f"{error_name(code)} ({code}): {reply.get('text', '')}".rstrip(": ")
        if spec.reads and code == KEY_DOES_NOT_EXIST:
            return Completion("ok", spec.missing)
        if is_definite(code) or spec.reads:
            return Completion("fail", error=text)
        return Completion("info", error=text)
    if kind == f"{spec.body['type']}_ok":
        if spec.reads:
            value = reply.get("value", spec.missing)
            return Completion("ok", spec.missing if value is None else value)
        if spec.f == "cas":
            return Completion("ok", True)
        return Completion("ok", None)
    return Completion("info", error=f"unexpected reply type {kind!r}")


def timed_out(spec: OpSpec, after: float) -> Completion:
    """The outcome of an operation whose reply did not come within `after` seconds."""
    text = f"timeout after {after:g}s"
    return Completion("fail" if spec.reads else "info", error=text)
