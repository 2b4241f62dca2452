"""JSON from untrusted bytes: strict UTF-8, finite numbers, bounded nesting, no lone surrogates.

`json.loads` alone accepts UTF-16 bodies, ``NaN``/``Infinity``, ``1e400`` (as inf), strings
holding lone surrogates (which later fail to encode, in the reply or the store) and nesting
deep enough to raise `RecursionError`. `loads_untrusted` refuses each of them with a
`BadRequest` naming the field path, so no request body can reach the server as a 500.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from kernel.api.errors import BadRequest

MAX_DEPTH = 100
"""Deepest nesting of arrays and objects accepted (Kubernetes objects stay far below)."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def loads_untrusted(data: bytes, what: str = "the request body") -> Any:
    """Parse `data` as JSON; BadRequest (naming the field) when it is not acceptable input."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {err.start})") from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except RecursionError:
        raise BadRequest(f"{what} is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:
        raise BadRequest(f"{what} is not valid JSON: {err}") from None
    deep = text.count("[") + text.count("{") > MAX_DEPTH
    if deep or _SURROGATE_ESCAPE.search(data):
        check_tree(value, what)
    return value


def check_tree(value: Any, what: str) -> None:
    """BadRequest when `value` nests deeper than `MAX_DEPTH` or holds a lone surrogate."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"{what} is nested deeper than {MAX_DEPTH} levels at {path or '.'}")
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise BadRequest(f"{what}: {path or 'the value'}: invalid UTF-8 (a lone surrogate)")
        elif isinstance(item, dict):
            for key, child in item.items():
                shown = (
                    key if not _SURROGATE.search(key) else key.encode("utf-8", "replace").decode()
                )
                if shown is not key:
                    raise BadRequest(f"{what}: {path}.{shown}: invalid UTF-8 in a field name")
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{n}]", depth + 1) for n, child in enumerate(item))


__all__ = ["MAX_DEPTH", "check_tree", "loads_untrusted"]
