"""Controller machinery every controller shares, on any clock (trio's or an `Env`'s).

- `WorkQueue`: deduplicating, rate-limited keys (client-go's workqueue semantics).
- `default_controller_rate_limiter` and the limiters it combines.
- `EventRecorder`: Kubernetes Events with client-go's aggregation and spam filter.
- `run_reconciler` / `Controller`: informers -> queue -> workers for a `Reconciler`
  (the contract is `kernel.interfaces.controller`).
Shared informers are `kernel.informer.SharedInformerFactory`.
"""

from __future__ import annotations

from kernel.controller.events import NORMAL, WARNING, EventRecorder, RecorderStatistics
from kernel.controller.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)
from kernel.controller.runner import Controller, ControllerStatistics, run_reconciler
from kernel.controller.workqueue import QueueStatistics, ShutDown, WorkQueue

__all__ = [
    "NORMAL",
    "WARNING",
    "BucketRateLimiter",
    "Controller",
    "ControllerStatistics",
    "EventRecorder",
    "ItemExponentialFailureRateLimiter",
    "MaxOfRateLimiter",
    "QueueStatistics",
    "RateLimiter",
    "RecorderStatistics",
    "ShutDown",
    "WorkQueue",
    "default_controller_rate_limiter",
    "run_reconciler",
]
