"""Run an open store on a trio loop in a helper thread, callable from synchronous code.

Hypothesis' stateful machines call their rules synchronously, and `hypothesis-trio` is not a
dependency, so the stateful store test keeps one trio loop per example in a background thread
(`trio.run` there, the store opened inside it) and sends each request with
`trio.from_thread.run`. This works for any store, including ones holding sockets or
background tasks, because the store lives its whole life inside one ordinary trio run.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

import trio

from kernel.conformance._store_kit import StoreOpener
from kernel.interfaces.store import Store

_T = TypeVar("_T")

_START_TIMEOUT = 30.0


class StoreThread:
    """A store opened with `open_store()` inside `trio.run` on a daemon thread."""

    def __init__(self, open_store: StoreOpener) -> None:
        self._open_store = open_store
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="kubelab-store", daemon=True)

    def start(self) -> Store:
        """Start the loop and open the store; re-raise whatever opening it raised."""
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            raise RuntimeError(f"the store did not open within {_START_TIMEOUT:g} s")
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store

    def run(self, fn: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        """Await `fn(*args)` on the store's loop and return its result (or raise its error)."""
        return trio.from_thread.run(fn, *args, trio_token=self._token)

    def close(self) -> None:
        """Close the store and end the loop (idempotent)."""
        if self._token is not None and self._stop is not None and self._thread.is_alive():
            with suppress(trio.RunFinishedError):
                trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        self._thread.join(_START_TIMEOUT)

    def _main(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:  # reported to start() or lost after close
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        async with self._open_store() as store:
            self._store = store
            self._stop = trio.Event()
            self._token = trio.lowlevel.current_trio_token()
            self._ready.set()
            await self._stop.wait()
