"""`TimerQueue`: many callback timers served by one task, for Envs without a dispatcher.

Why: a component with 150,000 container timers must not need one trio task each. The queue is a
heap of `(when, seq, handle)`; `run(now, sleep_until)` pops due timers in (time, sequence) order,
so equal deadlines fire in the order they were set.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any, Protocol

import trio


class TimerHandle:
    """A scheduled call; `cancel()` stops it if it has not run yet."""

    __slots__ = ("args", "cancelled", "fn", "when")

    def __init__(self, when: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.when = when
        self.fn = fn
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run this timer (no effect once it ran)."""
        self.cancelled = True


class TimerQueue:
    """A heap of timers on trio's clock, run by one task (`run`)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = 0
        self._wake = trio.Event()

    def call_at(self, when: float, fn: Callable[..., Any], *args: Any) -> TimerHandle:
        """Run `fn(*args)` at `when` on trio's clock (soon, if `when` has passed)."""
        handle = TimerHandle(when, fn, args)
        self._seq += 1
        head = self._heap[0][0] if self._heap else math.inf
        heapq.heappush(self._heap, (when, self._seq, handle))
        if when < head:
            self._wake.set()
        return handle

    async def run(self) -> None:
        """Fire due timers forever; cancel the enclosing scope to stop."""
        heap = self._heap
        while True:
            now = trio.current_time()
            while heap and heap[0][0] <= now:
                handle = heapq.heappop(heap)[2]
                if not handle.cancelled:
                    handle.fn(*handle.args)
            self._wake = trio.Event()
            deadline = heap[0][0] if heap else math.inf
            with trio.move_on_at(deadline):
                await self._wake.wait()


class EnvTimers:
    """An `Env`'s monotonic clock and sleep as a `kernel.clock.Timers`.

    Informers, work queues, the controller runner and the leader elector take `Timers`; give
    them ``EnvTimers(env)`` so they wait in the Env's time (virtual in the simulator, where a
    paused host's sleeps also wait for the resume).
    """

    __slots__ = ("env",)

    def __init__(self, env: _MonotonicEnv) -> None:
        self.env = env

    def now(self) -> float:
        return self.env.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self.env.sleep(max(0.0, seconds))


class _MonotonicEnv(Protocol):
    """The part of `Env` that `EnvTimers` uses."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


__all__ = ["EnvTimers", "TimerHandle", "TimerQueue"]
