"""Clocks as inputs: code that needs wall time (lease expiry, timestamps) takes a `Clock`.

Under the fault-injection simulator a host's clock can be offset and drift, while timers keep
running on trio's (virtual) clock; outside it, `TrioClock` is trio's monotonic clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import trio


class Clock(Protocol):
    """A source of time in seconds; only differences between readings are meaningful."""

    def now(self) -> float:
        """Seconds on this clock."""
        ...


class TrioClock:
    """trio's clock: virtual under a MockClock, monotonic otherwise. Needs a running trio loop."""

    def now(self) -> float:
        return trio.current_time()


class WallClock:
    """Seconds since the epoch in UTC, for timestamps people read (creationTimestamp)."""

    def now(self) -> float:
        return dt.datetime.now(dt.UTC).timestamp()
