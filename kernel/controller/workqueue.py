"""A rate-limited, deduplicating work queue with client-go's semantics.

Controllers put object keys in; workers take them out. A key is queued at most once however
often it is added (`dirty`), and never handed to two workers at once (`processing`): a key added
while a worker holds it is queued again when that worker calls `done`. Keys can wait
(`add_after`) or back off (`add_rate_limited`, by the queue's `RateLimiter`). All waiting keys
share one timer task (`run`), not one task per key, so 150,000 delayed keys cost one heap.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

import attrs
import trio

from kernel.clock import TRIO_TIMERS, Timers
from kernel.controller.ratelimit import RateLimiter, default_controller_rate_limiter

K = TypeVar("K", bound=Hashable)


class ShutDown(Exception):  # noqa: N818 - named for what happened, as client-go's "shutdown"
    """`get` on a queue that was shut down and has nothing left to hand out."""


@attrs.frozen
class QueueStatistics:
    """Counters of one queue (for tests and metrics): adds, retries, depth, waiting."""

    adds: int
    retries: int
    depth: int
    processing: int
    waiting: int


class WorkQueue(Generic[K]):
    """Deduplicating FIFO of keys, with delays and per-key backoff on one timer task."""

    def __init__(
        self,
        *,
        timers: Timers = TRIO_TIMERS,
        rate_limiter: RateLimiter | None = None,
        name: str = "",
    ) -> None:
        self.name = name
        self.timers = timers
        self.rate_limiter = rate_limiter or default_controller_rate_limiter(timers.now)
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._waiting: dict[K, float] = {}
        self._heap: list[tuple[float, int, K]] = []
        self._seq = 0
        self._ready = trio.Event()
        self._sleep_scope: trio.CancelScope | None = None
        self._sleep_until = math.inf
        self._shutting_down = False
        self._adds = 0
        self._retries = 0

    # ------------------------------------------------------------------ adding

    def add(self, item: K) -> None:
        """Queue `item` unless it is already queued; a held item is re-queued on `done`."""
        if self._shutting_down or item in self._dirty:
            return
        self._adds += 1
        self._dirty.add(item)
        if item in self._processing:
            return
        self._queue.append(item)
        self._ready.set()

    def add_after(self, item: K, delay: float) -> None:
        """Queue `item` after `delay` seconds (at once when <= 0); the earliest wait wins."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        ready_at = self.timers.now() + delay
        current = self._waiting.get(item)
        if current is not None and current <= ready_at:
            return
        self._waiting[item] = ready_at
        self._seq += 1
        heapq.heappush(self._heap, (ready_at, self._seq, item))
        if ready_at < self._sleep_until and self._sleep_scope is not None:
            self._sleep_scope.cancel()

    def add_rate_limited(self, item: K) -> None:
        """Queue `item` again after the rate limiter's backoff (one more failure counted)."""
        self._retries += 1
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: K) -> None:
        """End `item`'s failure streak (call after it was processed successfully)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: K) -> int:
        """How many rate-limited retries of `item` are being counted."""
        return self.rate_limiter.num_requeues(item)

    # ------------------------------------------------------------------ taking

    async def get(self) -> K:
        """The next key, waiting for one; `ShutDown` once shut down and drained."""
        while not self._queue:
            if self._shutting_down:
                raise ShutDown(self.name or "work queue")
            self._ready = trio.Event() if self._ready.is_set() else self._ready
            await self._ready.wait()
        item = self._queue.popleft()
        self._processing.add(item)
        self._dirty.discard(item)
        return item

    def done(self, item: K) -> None:
        """Release `item`; if it was added meanwhile, it is queued again now."""
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
            self._ready.set()

    def shut_down(self) -> None:
        """Refuse new keys; `get` hands out what is queued, then raises `ShutDown`."""
        self._shutting_down = True
        self._waiting.clear()
        self._heap.clear()
        self._ready.set()
        if self._sleep_scope is not None:
            self._sleep_scope.cancel()

    @property
    def shutting_down(self) -> bool:
        """True after `shut_down`."""
        return self._shutting_down

    def __len__(self) -> int:
        return len(self._queue)

    def statistics(self) -> QueueStatistics:
        """Counters so far."""
        return QueueStatistics(
            self._adds, self._retries, len(self._queue), len(self._processing), len(self._waiting)
        )

    # ------------------------------------------------------------------ the timer task

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Move waiting keys into the queue when due; run this in a nursery until shut down."""
        task_status.started()
        while not self._shutting_down:
            self._release_due()
            self._sleep_until = self._heap[0][0] if self._heap else math.inf
            with trio.CancelScope() as scope:
                self._sleep_scope = scope
                if self._heap:
                    await self.timers.sleep(self._sleep_until - self.timers.now())
                else:
                    await trio.sleep_forever()
            self._sleep_scope = None
            self._sleep_until = math.inf

    def _release_due(self) -> None:
        now = self.timers.now()
        while self._heap and self._heap[0][0] <= now:
            ready_at, _, item = heapq.heappop(self._heap)
            if self._waiting.get(item) != ready_at:
                continue  # superseded by an earlier add_after
            del self._waiting[item]
            self.add(item)


__all__ = ["QueueStatistics", "ShutDown", "WorkQueue"]
