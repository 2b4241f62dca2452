"""`Informer`: list, then watch, one resource into an indexed cache, calling event handlers.

Kubernetes' reflector + shared informer in one: the first list fills the cache and sets the
resourceVersion; the watch then resumes from the last version seen after every disconnect or
server timeout (so no event is lost or repeated), and a 410 (the version was compacted) makes
it list again, turning the difference into add/update/delete calls. Components read the cache
instead of polling the API server.

An informer never dies of the server's trouble: a lost connection, a 5xx (a store without
quorum answers 503/504) or a 429 during the list or the watch waits and retries, with
exponential backoff from `retry_delay` to `max_retry_delay` (client-go's reflector: 0.8 s to
30 s; a 429's Retry-After is honoured), reset by the next successful list or watch event.
Waits run on the injected `timers` (trio's clock, virtual under a MockClock or the simulator),
so a simulation replays exactly. Only a 4xx that retrying cannot fix (403, 404 of the resource,
400) ends `run` with that error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic

import attrs
import trio

from kernel.api.errors import Expired, Gone, StatusError
from kernel.client.protocol import Client
from kernel.client.types import APIConnectionError, T
from kernel.clock import TRIO_TIMERS, Timers
from kernel.informer._cache import Indexer, object_key


@attrs.frozen
class EventHandler(Generic[T]):
    """Callbacks for cache changes (Kubernetes' ResourceEventHandlerFuncs); any may be None."""

    on_add: Callable[[T], None] | None = None
    on_update: Callable[[T, T], None] | None = None
    """Called with (old, new)."""
    on_delete: Callable[[T], None] | None = None


@attrs.frozen
class InformerStatistics:
    """How often the informer listed and re-watched (for tests and dashboards)."""

    lists: int
    watches: int
    resource_version: str
    retries: int = 0
    """Waits after a failed list or watch (connection lost, 5xx, 429)."""


@attrs.define
class Informer(Generic[T]):
    """Keeps `cache` equal to the server's objects of `cls` (in `namespace`, or all)."""

    client: Client
    cls: type[T]
    namespace: str | None = None
    label_selector: str = ""
    field_selector: str = ""
    retry_delay: float = 0.8
    """Seconds to wait after the first failure; doubled per further failure."""
    max_retry_delay: float = 30.0
    """The longest wait between retries."""
    timers: Timers = TRIO_TIMERS
    """The clock retries wait on (an `Env` in components)."""
    cache: Indexer[T] = attrs.field(factory=Indexer)
    resource_version: str = ""
    """The version the cache reflects; the watch resumes from here."""
    _handlers: list[EventHandler[T]] = attrs.field(factory=list)
    _synced: trio.Event = attrs.field(factory=trio.Event)
    _lists: int = 0
    _watches: int = 0
    _retries: int = 0
    _failures: int = 0

    def add_handler(self, handler: EventHandler[T]) -> None:
        """Call `handler` on every change; objects already cached are replayed as adds."""
        self._handlers.append(handler)
        if handler.on_add is not None:
            for obj in self.cache.list():
                handler.on_add(obj)

    @property
    def has_synced(self) -> bool:
        """True once the first list is in the cache."""
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        """Wait until the first list is in the cache."""
        await self._synced.wait()

    def statistics(self) -> InformerStatistics:
        """Counts of lists and watches so far, and the current resourceVersion."""
        return InformerStatistics(self._lists, self._watches, self.resource_version, self._retries)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """List and watch until cancelled; ``await nursery.start(informer.run)`` waits for sync."""
        await self._relist()
        self._synced.set()
        task_status.started()
        while True:
            try:
                await self._watch()
            except (Expired, Gone):
                await self._relist()
            except (APIConnectionError, StatusError) as err:
                await self._back_off(err)

    async def _back_off(self, err: Exception) -> None:
        """Wait before retrying after `err`, or re-raise it when retrying cannot help."""
        if isinstance(err, StatusError) and err.code < 500 and err.code != 429:
            raise err
        delay = min(self.retry_delay * (2.0 ** min(self._failures, 32)), self.max_retry_delay)
        if isinstance(err, StatusError) and err.details.retry_after_seconds:
            delay = max(delay, float(err.details.retry_after_seconds))
        self._failures += 1
        self._retries += 1
        await self.timers.sleep(delay)

    async def _relist(self) -> None:
        while True:
            try:
                page = await self.client.list(
                    self.cls,
                    self.namespace,
                    label_selector=self.label_selector,
                    field_selector=self.field_selector,
                )
                break
            except (APIConnectionError, StatusError) as err:
                await self._back_off(err)
        self._failures = 0
        self._lists += 1
        fresh = {object_key(obj): obj for obj in page.items}
        gone = [key for key in self.cache.keys() if key not in fresh]  # noqa: SIM118 - keys, not objects
        for key in sorted(fresh):  # as Kubernetes' DeltaFIFO.Replace: updates, then deletes
            self._stored(key, fresh[key])
        for key in gone:
            self._removed(key)
        self.resource_version = page.resource_version

    async def _watch(self) -> None:
        self._watches += 1
        async with self.client.watch(
            self.cls,
            self.namespace,
            resource_version=self.resource_version,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            bookmarks=True,
        ) as events:
            async for event in events:
                self._failures = 0
                if event.type in ("ADDED", "MODIFIED") and event.object is not None:
                    self._stored(object_key(event.object), event.object)
                elif event.type == "DELETED" and event.object is not None:
                    self._removed(object_key(event.object))
                if event.resource_version:
                    self.resource_version = event.resource_version

    def _stored(self, key: str, obj: T) -> None:
        old = self.cache.put(key, obj)
        if old is not None and old.metadata.resource_version == obj.metadata.resource_version:
            return
        for handler in self._handlers:
            if old is None and handler.on_add is not None:
                handler.on_add(obj)
            elif old is not None and handler.on_update is not None:
                handler.on_update(old, obj)

    def _removed(self, key: str) -> None:
        old = self.cache.remove(key)
        if old is None:
            return
        for handler in self._handlers:
            if handler.on_delete is not None:
                handler.on_delete(old)


__all__ = ["EventHandler", "Informer", "InformerStatistics"]
