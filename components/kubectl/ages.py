"""kubectl's AGE: how long ago an object was created, in its short human form."""

from __future__ import annotations

from typing import Any

from kernel.objects import parse_time


def human_duration(seconds: float) -> str:
    """Kubectl's AGE: ``45s``, ``3m12s``, ``25m``, ``5h3m``, ``20h``, ``3d4h``, ``2y3d``."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes, hours, days = s // 60, s // 3600, s // 86400
    if minutes < 10:
        return _two(minutes, "m", s % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _two(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _two(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _two(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _two(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}" if small == 0 else f"{big}{big_unit}{small}{small_unit}"


def age(obj: dict[str, Any], now: float) -> str:
    """Time since ``metadata.creationTimestamp``; ``<unknown>`` when it is missing or bad."""
    stamp = (obj.get("metadata") or {}).get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    try:
        created = parse_time(str(stamp))
    except ValueError:
        return "<unknown>"
    return human_duration(now - created.timestamp())


__all__ = ["age", "human_duration"]
