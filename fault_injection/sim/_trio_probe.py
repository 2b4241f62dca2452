"""Cheap questions about trio's run loop, used by the dispatcher to skip idle trio wake-ups.

`trio.lowlevel.current_statistics()` answers both but costs ~2 us; the dispatcher asks "is any
task runnable?" after every timer, so it reads the run queue's length directly (a trio
internal, pinned with the others in `determinism.py`) and falls back to the public statistics
if a future trio moves it.
"""

from __future__ import annotations

from collections.abc import Callable

import trio


def runnable_probe() -> Callable[[], int]:
    """A zero-argument function returning how many tasks are queued to run right now."""
    try:
        from trio._core._run import GLOBAL_RUN_CONTEXT

        runq = GLOBAL_RUN_CONTEXT.runner.runq
        return runq.__len__
    except (ImportError, AttributeError):  # pragma: no cover - future trio
        return lambda: trio.lowlevel.current_statistics().tasks_runnable


def next_trio_deadline() -> float:
    """Absolute virtual time of the earliest pending cancel-scope deadline (inf if none)."""
    return trio.current_time() + trio.lowlevel.current_statistics().seconds_to_next_deadline
