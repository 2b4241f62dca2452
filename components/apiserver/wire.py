"""JSON on the wire: the one encoder the HTTP layer uses for bodies and watch lines."""

from __future__ import annotations

import json
from typing import Any

JSON = "application/json"


def encode_json(obj: Any) -> bytes:
    r"""Compact UTF-8 JSON, as the API server sends it.

    Text that cannot be UTF-8 (a lone surrogate echoed in an error) goes out as ``\u`` escapes.
    """
    try:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":")).encode()


__all__ = ["JSON", "encode_json"]
