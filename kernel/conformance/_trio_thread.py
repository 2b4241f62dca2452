"""Run an open store on a trio loop in a helper thread, callable from synchronous code.

Hypothesis' stateful machines call their rules synchronously, and `hypothesis-trio` is not a
dependency, so the stateful store test keeps one trio loop per example in a background thread
(`trio.run` there, the store opened inside it) and sends each request to it. This works for
any store, including ones holding sockets or background tasks, because the store lives its
whole life inside one ordinary trio run.

Nothing here can hang the caller: every request has a deadline enforced twice, once inside the
loop (the request is cancelled) and once by the calling thread (for a loop that is blocked and
cannot even run the cancellation). Either way the call raises `StoreCallTimeoutError` naming the
request, which fails the example like any other broken rule.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

import trio

from kernel.conformance._store_kit import StoreConformanceError, StoreOpener
from kernel.interfaces.store import Store

_T = TypeVar("_T")

START_TIMEOUT = 30.0
"""Seconds `open_store()` may take to yield a store."""
CALL_TIMEOUT = 10.0
"""Seconds one request may take before the example fails (a correct store needs milliseconds)."""
GRACE = 2.0
"""Extra seconds the calling thread waits for the loop to deliver an in-loop cancellation."""


class StoreCallTimeoutError(StoreConformanceError):
    """A request did not complete within its deadline: the store hung or its loop is blocked."""


class StoreThread:
    """A store opened with `open_store()` inside `trio.run` on a daemon thread."""

    def __init__(
        self, open_store: StoreOpener, *, call_timeout: float = CALL_TIMEOUT, grace: float = GRACE
    ) -> None:
        self._open_store = open_store
        self.call_timeout = call_timeout
        """Default deadline, in seconds, of each `run` call."""
        self.grace = grace
        """Extra seconds to wait for a cancelled request before declaring the loop blocked."""
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._stop: trio.Event | None = None
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._wedged = False
        self._thread = threading.Thread(target=self._main, name="kubelab-store", daemon=True)

    def start(self) -> Store:
        """Start the loop and open the store; re-raise whatever opening it raised."""
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            self._wedged = True
            raise StoreCallTimeoutError(
                f"open_store() did not yield a store within {START_TIMEOUT:g} s"
            )
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store

    def run(
        self,
        fn: Callable[..., Awaitable[_T]],
        *args: Any,
        timeout: float | None = None,
        what: str = "",
    ) -> _T:
        """Await `fn(*args)` on the store's loop; return its result or raise its error.

        Raises `StoreCallTimeoutError` (naming `what`, or `fn`) after `timeout` seconds (default
        `call_timeout`), whether the request is stuck or the whole loop is.
        """
        limit = self.call_timeout if timeout is None else timeout
        label = what or getattr(fn, "__qualname__", repr(fn))
        if self._wedged:
            raise StoreCallTimeoutError(
                f"{label}: not sent, an earlier request left the store's loop blocked"
            )
        if self._token is None or self._nursery is None:
            raise RuntimeError("StoreThread.run called before start() or after close()")
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()
        nursery = self._nursery

        async def call() -> None:
            with trio.move_on_after(limit) as scope:
                try:
                    result = await fn(*args)
                except Exception as exc:  # handed to the calling thread
                    future.set_exception(exc)
                    return
            if scope.cancelled_caught:
                message = f"{label}: no answer within {limit:g} s (the store hangs)"
                future.set_exception(StoreCallTimeoutError(message))
            else:
                future.set_result(result)

        try:
            self._token.run_sync_soon(nursery.start_soon, call)
        except trio.RunFinishedError:
            raise StoreCallTimeoutError(f"{label}: the store's loop has stopped") from None
        try:
            return future.result(limit + self.grace)
        except concurrent.futures.TimeoutError:
            self._wedged = True
            raise StoreCallTimeoutError(
                f"{label}: no answer within {limit:g} s and the store's trio loop does not "
                "respond (something blocks it, e.g. a synchronous sleep or busy loop)"
            ) from None

    def close(self) -> None:
        """Close the store and end the loop (idempotent; abandons a blocked loop's thread)."""
        token, stop = self._token, self._stop
        self._token = None
        if token is not None and stop is not None and self._thread.is_alive():
            with suppress(trio.RunFinishedError):
                token.run_sync_soon(stop.set)
        if not self._wedged:
            self._thread.join(START_TIMEOUT)

    def _main(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:  # reported to start() or lost after close
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        async with self._open_store() as store, trio.open_nursery() as nursery:
            self._store = store
            self._nursery = nursery
            self._stop = trio.Event()
            self._token = trio.lowlevel.current_trio_token()
            self._ready.set()
            await self._stop.wait()
            nursery.cancel_scope.cancel()
