"""The one place kubelab makes trio's scheduler deterministic, and runs code in virtual time.

Why: a failure found by a simulated run is only useful if its seed replays it byte for byte.
trio shuffles its run queue with a private, unseeded `random.Random` (`trio._core._run._r`) so
that code does not come to depend on an arbitrary task order. When the private flag
`trio._core._run._ALLOW_DETERMINISTIC_SCHEDULING` is set, each batch of runnable tasks is first
sorted by spawn order and then shuffled with `_r`; seeding `_r` therefore makes the order a
function of the seed. Together with `trio.testing.MockClock(autojump_threshold=0)` (virtual time
that jumps straight to the next deadline) and the absence of real sockets, threads and signals,
a run is a pure function of its seed.

Both names are trio internals, so `pyproject.toml` pins the tested trio range and
`tests/sim/test_golden_trace.py` checks a golden trace hash: a trio upgrade that breaks
determinism fails CI instead of silently producing unreplayable runs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import trio
import trio.testing

T = TypeVar("T")

#: trio versions the deterministic-scheduling internals were checked against.
TESTED_TRIO_RANGE = ">=0.33,<0.36"

_lock = threading.Lock()


class DeterminismUnavailableError(RuntimeError):
    """The installed trio lacks the internals kubelab uses to make scheduling deterministic."""


def _run_module() -> Any:
    """Trio's run-loop module, after checking it still has the two internals we rely on."""
    try:
        from trio._core import _run
    except ImportError as err:  # pragma: no cover - only on a future, restructured trio
        raise DeterminismUnavailableError(_explain("trio._core._run is gone")) from err
    if not hasattr(_run, "_ALLOW_DETERMINISTIC_SCHEDULING"):
        raise DeterminismUnavailableError(
            _explain("trio._core._run._ALLOW_DETERMINISTIC_SCHEDULING is gone")
        )
    rng = getattr(_run, "_r", None)
    if rng is None or not callable(getattr(rng, "seed", None)):
        raise DeterminismUnavailableError(_explain("trio._core._run._r (a random.Random) is gone"))
    return _run


def _explain(what: str) -> str:
    return (
        f"{what} in trio {trio.__version__}; kubelab's simulator needs it for seeded, replayable "
        f"runs and was tested with trio{TESTED_TRIO_RANGE}. Install a trio in that range "
        "(pip install 'trio"
        + TESTED_TRIO_RANGE
        + "') or update fault_injection/sim/determinism.py."
    )


def check_determinism_support() -> None:
    """Raise `DeterminismUnavailableError` (with what to do) if this trio cannot be seeded."""
    _run_module()


@contextlib.contextmanager
def deterministic_scheduling(seed: int) -> Iterator[None]:
    """Make trio's task scheduling a function of `seed` for the duration of the block.

    Sets `_ALLOW_DETERMINISTIC_SCHEDULING` and seeds `_r`, then restores both (the flag's value
    and the generator's state), so code outside the block, including Hypothesis' own use of `_r`,
    sees no change. Only one block may be active per process at a time.
    """
    run = _run_module()
    if not _lock.acquire(blocking=False):
        raise RuntimeError("deterministic_scheduling is not reentrant: a simulation is running")
    saved_flag = run._ALLOW_DETERMINISTIC_SCHEDULING
    saved_state = run._r.getstate()
    try:
        run._ALLOW_DETERMINISTIC_SCHEDULING = True
        run._r.seed(seed)
        yield
    finally:
        run._ALLOW_DETERMINISTIC_SCHEDULING = saved_flag
        run._r.setstate(saved_state)
        _lock.release()


def run_simulation(async_fn: Callable[..., Awaitable[T]], *args: Any, seed: int) -> T:
    """Run `async_fn(*args)` under `trio.run` in virtual time with seeded, replayable scheduling.

    The clock is `trio.testing.MockClock(autojump_threshold=0)`: time starts at 0.0 and jumps to
    the next deadline whenever every task is blocked, so a 10-minute run takes as long as its
    computation. `async_fn` must not use real sockets, threads, signals, `time.time()` or module
    `random`; everything it needs comes from the seed (see `World`).
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {seed!r}")
    with deterministic_scheduling(seed):
        return trio.run(async_fn, *args, clock=trio.testing.MockClock(autojump_threshold=0))
