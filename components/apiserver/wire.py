"""JSON on the wire: the one encoder the HTTP layer uses for bodies and watch lines."""

from __future__ import annotations

import json
from typing import Any

JSON = "application/json"


def encode_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON, as the API server sends it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


__all__ = ["JSON", "encode_json"]
