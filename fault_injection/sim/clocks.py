"""Per-host wall clocks with offset and drift, read by code that needs wall time (leases).

Why: lease-based reads are safe only if clocks agree within a bound; a nemesis breaks that by
skewing one host's clock. Timers (`Process.sleep`, `call_later`) still run on virtual time, as a
real kernel's timers run on a monotonic clock while `time.time()` can jump.
`HostClock` implements `kernel.clock.Clock`, so components take it like any other clock.
"""

from __future__ import annotations

from collections.abc import Callable


class HostClock:
    """`now() = local time at the last change + rate * (virtual now - virtual time then)`.

    `rate = 1 + drift`; offset and drift changes keep the clock continuous except for the
    jump they ask for.
    """

    def __init__(self, virtual_now: Callable[[], float], *, offset: float = 0.0) -> None:
        self._virtual_now = virtual_now
        self._anchor_virtual = 0.0
        self._anchor_local = offset
        self._rate = 1.0

    def now(self) -> float:
        """Seconds on this host's clock."""
        return self._anchor_local + self._rate * (self._virtual_now() - self._anchor_virtual)

    @property
    def drift(self) -> float:
        """Extra seconds gained per virtual second (0.001 = 1 ms/s fast; negative = slow)."""
        return self._rate - 1.0

    def offset(self) -> float:
        """How far this clock is ahead of virtual time right now (negative: behind)."""
        return self.now() - self._virtual_now()

    def _reanchor(self) -> None:
        local = self.now()
        self._anchor_virtual = self._virtual_now()
        self._anchor_local = local

    def set_drift(self, drift: float) -> None:
        """Run `1 + drift` times as fast as virtual time from now on (no jump)."""
        if not drift > -1.0:
            raise ValueError(f"drift must be > -1 (the clock must move forward), got {drift!r}")
        self._reanchor()
        self._rate = 1.0 + drift

    def set_offset(self, offset: float) -> None:
        """Jump so the clock reads virtual time + `offset` now (it may go backwards)."""
        self._anchor_virtual = self._virtual_now()
        self._anchor_local = self._anchor_virtual + offset

    def jump(self, seconds: float) -> None:
        """Move the clock by `seconds` (negative: backwards), like an NTP step."""
        self._reanchor()
        self._anchor_local += seconds

    def reset(self) -> None:
        """Agree with virtual time again: offset 0, drift 0."""
        self.set_offset(0.0)
        self._rate = 1.0
