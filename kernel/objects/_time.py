"""RFC 3339 timestamps as Kubernetes writes them (objects keep them as strings on the wire).

``metav1.Time`` has second precision (``2024-05-01T12:00:00Z``); ``metav1.MicroTime`` has
microseconds (``2024-05-01T12:00:00.000000Z``). Time comes from the caller (a Clock), never from
here, so simulations stay deterministic.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_micro_time", "format_time", "parse_time"]


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from an RFC 3339 string (``Z`` or an offset)."""
    value = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_time(moment: datetime | float) -> str:
    """Kubernetes' ``metav1.Time`` text for a datetime or a Unix timestamp in seconds."""
    return _as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(moment: datetime | float) -> str:
    """Kubernetes' ``metav1.MicroTime`` text (leases, events' eventTime)."""
    return _as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _as_utc(moment: datetime | float) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.fromtimestamp(moment, tz=UTC)
