"""A heap-ordered timer loop inside the trio run: the fast path for large simulations.

Why: one trio task per simulated host costs ~40 us per wake-up (scheduling, cancel scopes,
autojump). Callback-style nodes instead register timers here; one dispatcher task pops them in
(time, sequence) order and calls them synchronously. When no trio task is runnable and no trio
deadline comes before the next timer, the dispatcher advances the MockClock itself instead of
sleeping, so thousands of timers cost no trio wake-ups at all. ("No task runnable" is learnt
from `trio.testing.wait_all_tasks_blocked()`, because tasks of trio's current batch are not in
the run queue; do not call that function yourself inside a simulation.) Task-style and
callback-style code share the same virtual clock and both replay exactly under one seed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

import trio
import trio.testing

from fault_injection.sim._trio_probe import next_trio_deadline, runnable_probe
from kernel.env import TimerHandle

#: Timers run between forced checkpoints, so Ctrl-C and cancellation still get through.
_CHECKPOINT_EVERY = 4096


Timer = TimerHandle
"""A scheduled call (the kernel's `TimerHandle`: the same object in both worlds)."""


class Dispatcher:
    """Runs timers in virtual-time order from one trio task (`run`)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = 0
        self._sleep_scope: trio.CancelScope | None = None
        self._now = 0.0
        self._dispatching = False
        self.timers_run = 0
        """How many timers have run (a benchmark counter)."""
        self.fast_jumps = 0
        """How many times the dispatcher advanced the clock itself instead of sleeping."""

    def call_at(self, when: float, fn: Callable[..., Any], *args: Any) -> Timer:
        """Run `fn(*args)` at virtual time `when` (now, if `when` is in the past)."""
        timer = Timer(when, fn, args)
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, timer))
        scope = self._sleep_scope
        if scope is not None and when < scope.deadline:
            scope.deadline = when
        return timer

    def pending(self) -> int:
        """Timers in the heap (including cancelled ones not yet due)."""
        return len(self._heap)

    def now(self) -> float:
        """Virtual time: cached while timers run (cheap), else asked of trio."""
        if self._dispatching:
            return self._now
        return trio.current_time()

    async def run(self) -> None:
        """Loop forever, running due timers; cancel the enclosing scope to stop."""
        heap = self._heap
        runnable = runnable_probe()
        clock = trio.lowlevel.current_clock()
        can_jump = isinstance(clock, trio.testing.MockClock)
        clock_now = clock.current_time
        # With a MockClock at rate 0, time after jump(d) is exactly now + d: skip re-reading it.
        exact_jumps = can_jump and clock.rate == 0
        # `idle`: every other task is known to be blocked. It holds until this task yields or a
        # timer wakes a task (the run queue grows); while it holds, and no trio deadline comes
        # first, jumping the clock to the next timer is exactly what autojump would do.
        idle = False
        horizon = -math.inf  # earliest trio deadline, valid while `idle`
        since_checkpoint = 0
        now = clock_now()
        while True:
            if heap and heap[0][0] > now and can_jump:
                if idle and runnable():
                    idle = False
                if not idle:
                    await trio.testing.wait_all_tasks_blocked()
                    idle = True
                    now = clock_now()
                    horizon = next_trio_deadline()
                    continue
                when = heap[0][0]
                if when < horizon:
                    step = when - now
                    clock.jump(step)
                    self.fast_jumps += 1
                    now = now + step if exact_jumps else clock_now()
            if not heap or heap[0][0] > now:
                idle = False
                with trio.CancelScope(deadline=heap[0][0] if heap else math.inf) as scope:
                    self._sleep_scope = scope
                    await trio.sleep_forever()
                self._sleep_scope = None
                since_checkpoint = 0
                now = clock_now()
                continue
            self._now = now
            self._dispatching = True
            try:
                while heap and heap[0][0] <= now:
                    timer = heapq.heappop(heap)[2]
                    if not timer.cancelled:
                        self.timers_run += 1
                        timer.fn(*timer.args)
                    since_checkpoint += 1
            finally:
                self._dispatching = False
            if since_checkpoint >= _CHECKPOINT_EVERY:
                since_checkpoint = 0
                idle = False
                await trio.lowlevel.checkpoint()
                now = clock_now()
