"""`open_memory_store`: the `kubelab.store` entry point named `memory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from components.store.memory._store import MemoryStore
from kernel.clock import Clock, TrioClock
from kernel.exception_groups import lone_exception


@asynccontextmanager
async def open_memory_store(*, clock: Clock | None = None) -> AsyncIterator[MemoryStore]:
    """Open an empty memory store (revision 1) whose leases expire by `clock`.

    `clock` defaults to trio's clock (virtual under a MockClock); the simulator passes a skewed
    per-host clock. Lease expiry runs in a background task for the duration of the block;
    leaving the block closes the store and ends its open watches. An exception raised in the
    block comes out as itself, not wrapped in an ExceptionGroup by the background nursery.
    """
    store = MemoryStore(clock=TrioClock() if clock is None else clock)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(store.run_lease_expiry)
            try:
                yield store
            finally:
                store.close()
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        # The expiry task never raises (it is only cancelled), so a group holds exactly the
        # exception from the caller's block: hand it back unwrapped.
        theirs = lone_exception(group, deep=False)
        if theirs is None:
            raise
        raise theirs from None
