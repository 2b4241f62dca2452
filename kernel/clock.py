"""Clocks as inputs: a `Clock` for wall time, `Timers` for waiting.

Code that needs wall time (lease expiry, timestamps) takes a `Clock`; code that waits
(retries, queues, timers) takes `Timers`.

Under the fault-injection simulator a host's clock can be offset and drift, while timers keep
running on trio's (virtual) clock; outside it, `TrioClock` is trio's monotonic clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class Timers(Protocol):
    """Monotonic seconds and a sleep on the same clock."""

    def now(self) -> float:
        """Monotonic seconds (only differences mean anything)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock."""
        ...


class TrioTimers:
    """trio's clock: virtual under a MockClock, monotonic otherwise."""

    def now(self) -> float:
        return trio.current_time()

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(max(0.0, seconds))


TRIO_TIMERS = TrioTimers()
"""The default time source when none is injected."""


__all__ = ["TRIO_TIMERS", "Clock", "Timers", "TrioClock", "TrioTimers", "WallClock"]
