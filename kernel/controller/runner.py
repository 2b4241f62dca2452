"""`run_reconciler`: the loop every controller shares (informers -> work queue -> workers).

It asks the shared informer factory for one informer per `Watch`, maps every add, update and
delete to keys in one `WorkQueue`, waits for the caches to sync, then runs `workers` tasks that
take a key, call `reconcile` and act on its `Result`. Nothing a reconcile raises ends the loop:
it is logged and the key retried with backoff, as controller-runtime does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import trio

from kernel.client.protocol import Client
from kernel.clock import TRIO_TIMERS, Clock, Timers
from kernel.controller.events import EventRecorder
from kernel.controller.workqueue import ShutDown, WorkQueue
from kernel.informer import EventHandler, Informer, SharedInformerFactory
from kernel.interfaces.controller import ReconcileContext, Reconciler, Result

log = logging.getLogger(__name__)


@attrs.define
class ControllerStatistics:
    """Reconciles so far: total, failed (raised), requeued (backoff or after)."""

    reconciles: int = 0
    errors: int = 0
    requeues: int = 0


def _enqueuer(queue: WorkQueue[str], keys: Callable[[Any], Iterable[str]]) -> EventHandler[Any]:
    def add(obj: Any) -> None:
        for key in keys(obj):
            queue.add(key)

    def update(old: Any, new: Any) -> None:
        for key in dict.fromkeys([*keys(old), *keys(new)]):
            queue.add(key)

    return EventHandler(on_add=add, on_update=update, on_delete=add)


@attrs.define
class Controller:
    """One running reconciler: its queue, context and counters (see `run`)."""

    reconciler: Reconciler
    client: Client
    factory: SharedInformerFactory
    workers: int = 1
    timers: Timers = TRIO_TIMERS
    clock: Clock | None = None
    """Wall clock for event timestamps (default: the real one)."""
    queue: WorkQueue[str] = attrs.field(init=False)
    events: EventRecorder = attrs.field(init=False)
    stats: ControllerStatistics = attrs.field(factory=ControllerStatistics)

    def __attrs_post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        self.queue = WorkQueue(timers=self.timers, name=self.reconciler.name)
        self.events = EventRecorder(self.client, self.reconciler.name, clock=self.clock)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run until cancelled; ``await nursery.start(controller.run)`` returns once synced.

        The factory must be running (``nursery.start(factory.run)``) or be started alongside.
        """
        informers: list[Informer[Any]] = []
        for watch in self.reconciler.watches():
            informer: Informer[Any] = self.factory.informer(
                watch.cls,
                watch.namespace,
                label_selector=watch.label_selector,
                field_selector=watch.field_selector,
            )
            informer.add_handler(_enqueuer(self.queue, watch.keys))
            informers.append(informer)
        ctx = ReconcileContext(self.client, tuple(informers), self.events, self.timers)
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self.queue.run)
                nursery.start_soon(self.events.run)
                for informer in informers:
                    await informer.wait_synced()
                for _ in range(self.workers):
                    nursery.start_soon(self._work, ctx)
                task_status.started()
        finally:
            self.queue.shut_down()

    async def _work(self, ctx: ReconcileContext) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                result = await self._reconcile(key, ctx)
                self._handle(key, result)
            finally:
                self.queue.done(key)

    async def _reconcile(self, key: str, ctx: ReconcileContext) -> Result | None:
        self.stats.reconciles += 1
        try:
            return await self.reconciler.reconcile(key, ctx)
        except trio.Cancelled:
            raise
        except Exception:  # a controller bug or a failed write: retry, never die
            self.stats.errors += 1
            log.exception(
                "%s: reconcile %s failed; retrying with backoff", self.reconciler.name, key
            )
            return None

    def _handle(self, key: str, result: Result | None) -> None:
        if result is None or result.requeue:
            self.stats.requeues += 1
            self.queue.add_rate_limited(key)
        elif result.requeue_after is not None:
            self.stats.requeues += 1
            self.queue.forget(key)
            self.queue.add_after(key, result.requeue_after)
        else:
            self.queue.forget(key)


async def run_reconciler(
    reconciler: Reconciler,
    client: Client,
    *,
    factory: SharedInformerFactory | None = None,
    workers: int = 1,
    timers: Timers = TRIO_TIMERS,
    clock: Clock | None = None,
    task_status: trio.TaskStatus[Controller] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run `reconciler` until cancelled (with its own informer factory unless one is given).

    ``controller = await nursery.start(run_reconciler, r, client)`` returns once its caches
    have synced, handing back the `Controller` (queue, statistics).
    """
    own = factory is None
    factory = factory or SharedInformerFactory(client, timers=timers)
    controller = Controller(reconciler, client, factory, workers, timers, clock)
    async with trio.open_nursery() as nursery:
        if own:
            await nursery.start(factory.run)
        await nursery.start(controller.run)
        task_status.started(controller)


__all__ = ["Controller", "ControllerStatistics", "run_reconciler"]
