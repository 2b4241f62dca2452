"""Rate limiters that say how long to wait before an item is retried, as client-go's workqueue.

`default_controller_rate_limiter()` is client-go's `DefaultControllerRateLimiter`: the larger of
a per-item exponential backoff (5 ms doubling to 1,000 s) and an overall token bucket (10 qps,
burst 100). Limiters are pure arithmetic over the times they are given, so they replay exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol

import attrs


class RateLimiter(Protocol):
    """How long `item` waits before its next retry; `forget` ends its failure streak."""

    def when(self, item: Hashable) -> float:
        """Seconds to wait before retrying `item` (and count this as one more failure)."""
        ...

    def forget(self, item: Hashable) -> None:
        """Stop tracking `item` (it succeeded)."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """How many failures of `item` are being counted."""
        ...


@attrs.define
class ItemExponentialFailureRateLimiter:
    """``base * 2**failures`` seconds per item, capped at `max_delay`."""

    base_delay: float = 0.005
    max_delay: float = 1000.0
    _failures: dict[Hashable, int] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if self.base_delay <= 0 or self.max_delay < self.base_delay:
            raise ValueError("need 0 < base_delay <= max_delay")

    def when(self, item: Hashable) -> float:
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        if failures >= 64:  # 2**64 * base overflows any sane cap
            return self.max_delay
        return min(self.base_delay * (2.0**failures), self.max_delay)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


@attrs.define
class BucketRateLimiter:
    """An overall token bucket (golang.org/x/time/rate semantics): `qps` refill, `burst` size.

    Each `when` reserves one token; the delay is how long until that token exists. `now` is
    the clock the bucket refills on (monotonic seconds).
    """

    now: Callable[[], float]
    qps: float = 10.0
    burst: int = 100
    _tokens: float = attrs.field(init=False)
    _last: float | None = attrs.field(init=False, default=None)

    def __attrs_post_init__(self) -> None:
        if self.qps <= 0 or self.burst < 1:
            raise ValueError("need qps > 0 and burst >= 1")
        self._tokens = float(self.burst)

    def when(self, item: Hashable) -> float:  # noqa: ARG002 - one bucket for every item
        now = self.now()
        if self._last is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, item: Hashable) -> None:
        pass

    def num_requeues(self, item: Hashable) -> int:  # noqa: ARG002 - the bucket counts no items
        return 0


@attrs.define
class MaxOfRateLimiter:
    """The longest wait any of `limiters` asks for (each still counts the failure)."""

    limiters: tuple[RateLimiter, ...]

    def when(self, item: Hashable) -> float:
        return max(limiter.when(item) for limiter in self.limiters)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)


def default_controller_rate_limiter(now: Callable[[], float]) -> MaxOfRateLimiter:
    """client-go's default: per-item 5 ms..1,000 s exponential, overall 10 qps / burst 100."""
    return MaxOfRateLimiter(
        (ItemExponentialFailureRateLimiter(0.005, 1000.0), BucketRateLimiter(now, 10.0, 100))
    )


__all__ = [
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "default_controller_rate_limiter",
]
