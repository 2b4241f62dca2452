"""Shared watches: one store watch per key range serves every HTTP watcher of that range.

With N watchers of one resource, a private store watch each costs N wake-ups, N JSON decodes
and N selector passes per store event before anything is written. A `WatchCache` (running in
the HTTP server's nursery) keeps one *hub* per key range instead: a single store watch whose
events are decoded once, kept in a short history (like Kubernetes' watch cache), and offered
synchronously to each subscriber's queue, where only the selector and the write are per
watcher. A watch starting at a revision the hub's history no longer covers falls back to a
private store watch (`watch.open_watch` decides), so results are the same either way.

Subscribers are indexed by the exact ``spec.nodeName=`` or ``metadata.namespace=`` value their
field selector pins (Kubernetes' cacher triggers, ``NodeNameTriggerFunc``): an event is offered
only to the subscribers under its object's old and new values, plus the unindexed ones, so it
costs O(matching watchers), not O(watchers). Offering under the old value too is what lets a
pod leaving a node reach that node's watcher as DELETED. Fan-out runs in subscription order
(replayable), never in identity-hash order.

A subscriber whose queue is full (a client not reading) is dropped: it gets an ERROR event
(410 Expired, "too slow") and its stream ends, and the client re-lists and re-watches, as with
Kubernetes.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import suppress

import attrs
import trio

from components.apiserver.storage import Storage, store_errors
from components.apiserver.watch import ApiEvent, Decoded, translate
from kernel.api.errors import Expired, InternalError, StatusError
from kernel.api.selectors import Selection, field_value
from kernel.interfaces.store import EventType

log = logging.getLogger("kubelab.apiserver")

HISTORY_SIZE = 1024
"""Store events a hub keeps so late joiners can start from a recent revision."""

INDEXED_FIELDS: tuple[str, ...] = ("spec.nodeName", "metadata.namespace")
"""Field-selector paths a pinned value of which indexes a subscriber (first pinned wins)."""

TOO_SLOW = "watch too slow: the client did not read its events fast enough; re-list and re-watch"
"""Message of the 410 ERROR a dropped (slow) watcher gets."""


def index_key(selection: Selection) -> tuple[str, str] | None:
    """The (field path, value) a subscriber with `selection` is indexed under, if any."""
    for path in INDEXED_FIELDS:
        value = selection.fields.exact(path)
        if value is not None:
            return path, value
    return None


def too_slow() -> StatusError:
    """The 410 Expired Status a watcher that cannot keep up is ended with."""
    return Expired(TOO_SLOW)


@attrs.define(eq=False)
class Subscriber:
    """One watcher's queue on a hub, and the revision it has been offered up to."""

    send: trio.MemorySendChannel[ApiEvent | StatusError]
    receive: trio.MemoryReceiveChannel[ApiEvent | StatusError]
    selection: Selection
    after: int
    """Only events after this revision are for this watcher."""
    seen: int
    """Every event up to this revision has been queued (the bookmark revision)."""
    dropped: bool = False
    sink: Callable[[ApiEvent], bool] | None = None
    """Set by `attach`: events go straight to it (False back: it cannot keep up)."""
    ended: trio.Event = attrs.field(factory=trio.Event)
    """Set when an attached subscriber's stream is over (dropped, or `error`)."""
    error: StatusError | None = None
    seq: int = 0
    """Subscription order on its hub (fan-out order)."""
    key: tuple[str, str] | None = None
    """Index entry (see `index_key`); None: offered every event."""

    def offer(self, item: Decoded) -> None:
        """Queue (or hand to the sink) the API event `item` means for this watcher, if any."""
        revision = item.event.revision
        if self.dropped or revision <= self.after:
            return
        api = translate(item, self.selection)
        if api is not None:
            if self.sink is not None:
                if not self.sink(api):
                    self._drop()
                    return
            else:
                try:
                    self.send.send_nowait(api)
                except trio.WouldBlock:
                    self._drop()  # too slow: end its stream; the client re-watches
                    return
        self.seen = revision

    def fail(self, error: StatusError) -> None:
        """The hub's store watch failed: end this stream with `error`."""
        if self.sink is not None:
            self.error = error
            self.ended.set()
            return
        try:
            self.send.send_nowait(error)
        except trio.WouldBlock:
            self._drop()

    def attach(self, sink: Callable[[ApiEvent], bool]) -> None:
        """Hand what is queued, then every later event, straight to `sink` (no task per event).

        A queued error ends the stream after the events before it (`ended`, `error`).
        """
        queued: list[ApiEvent] = []
        while True:
            try:
                item = self.receive.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel):
                break
            if isinstance(item, StatusError):
                self.error = item
                self.ended.set()
                break
            queued.append(item)
        self.sink = sink
        for api in queued:
            if not sink(api):
                self._drop()
                break
        if self.dropped:
            self.ended.set()

    def _drop(self) -> None:
        """Too slow: end the stream with a 410 ERROR (Kubernetes closes slow watchers too)."""
        self.dropped = True
        if self.sink is None:
            # the queue is full: swap its oldest undelivered event for the error, so the
            # reader sees the ERROR as soon as it reads again, then the end of the stream
            with suppress(*_FULL_OR_CLOSED):
                self.receive.receive_nowait()
            with suppress(*_FULL_OR_CLOSED):
                self.send.send_nowait(too_slow())
        elif self.error is None:
            self.error = too_slow()
        self.send.close()
        self.ended.set()


_FULL_OR_CLOSED = (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError)


@attrs.define(eq=False)
class Hub:
    """One store watch over ``[start, end)`` and the subscribers it feeds."""

    start: bytes
    end: bytes
    base: int
    """Every event after this revision is in `history` or still to come."""
    position: int
    """Revision of the last event offered to the subscribers."""
    history: deque[Decoded] = attrs.field(factory=deque)
    subscribers: dict[Subscriber, None] = attrs.field(factory=dict)
    """Every subscriber, in subscription order."""
    unindexed: dict[Subscriber, None] = attrs.field(factory=dict)
    """Subscribers offered every event (no indexed field pinned), in subscription order."""
    index: dict[tuple[str, str], dict[Subscriber, None]] = attrs.field(factory=dict)
    """Subscribers by (field path, pinned value), each bucket in subscription order."""
    paths: dict[str, int] = attrs.field(factory=dict)
    """Indexed field paths in use, with how many buckets each has."""
    _seq: Iterator[int] = attrs.field(factory=itertools.count)
    scope: trio.CancelScope = attrs.field(factory=trio.CancelScope)
    opened: bool = False
    failed: bool = False

    def covers(self, after: int) -> bool:
        """Whether a watcher wanting every event after `after` can be served from here."""
        return not self.failed and after >= self.base and (self.opened or after == self.base)

    def add(self, sub: Subscriber) -> None:
        """Register `sub` (last in fan-out order) under its index entry."""
        sub.seq = next(self._seq)
        self.subscribers[sub] = None
        if sub.key is None:
            self.unindexed[sub] = None
            return
        bucket = self.index.get(sub.key)
        if bucket is None:
            bucket = self.index[sub.key] = {}
            self.paths[sub.key[0]] = self.paths.get(sub.key[0], 0) + 1
        bucket[sub] = None

    def remove(self, sub: Subscriber) -> None:
        """Unregister `sub` (no-op when it is not here)."""
        self.subscribers.pop(sub, None)
        if sub.key is None:
            self.unindexed.pop(sub, None)
            return
        bucket = self.index.get(sub.key)
        if bucket is not None:
            bucket.pop(sub, None)
            if not bucket:
                del self.index[sub.key]
                path = sub.key[0]
                self.paths[path] -= 1
                if not self.paths[path]:
                    del self.paths[path]

    def targets(self, item: Decoded) -> Iterator[Subscriber]:
        """The subscribers `item` may matter to, in subscription order: O(matching)."""
        buckets: list[dict[Subscriber, None]] = []
        if self.unindexed:
            buckets.append(self.unindexed)
        if self.index:
            keys: set[tuple[str, str]] = set()
            objects = [item.old()]
            if item.event.kv is not None and item.event.type is not EventType.DELETE:
                objects.append(item.new())
            for obj in objects:
                if obj is not None:
                    keys.update((path, field_value(obj, path)) for path in self.paths)
            buckets.extend(self.index[k] for k in keys if k in self.index)
        if len(buckets) == 1:
            return iter(list(buckets[0]))
        return heapq.merge(*(list(b) for b in buckets), key=_by_seq)

    def offer(self, item: Decoded) -> None:
        """Offer one store event to the subscribers it may matter to."""
        for sub in self.targets(item):
            sub.offer(item)


def _by_seq(sub: Subscriber) -> int:
    return sub.seq


@attrs.define(eq=False)
class WatchCache:
    """Hubs by key range; `run` (in a server's nursery) must be running for `subscribe`."""

    storage: Storage
    history_size: int = HISTORY_SIZE
    _nursery: trio.Nursery | None = None
    _hubs: dict[tuple[bytes, bytes], Hub] = attrs.field(factory=dict)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Host the hubs until cancelled (a second concurrent `run` just waits)."""
        if self._nursery is not None:
            task_status.started()
            await trio.sleep_forever()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                task_status.started()
                await trio.sleep_forever()
        finally:
            self._nursery = None
            self._hubs.clear()

    def subscribe(
        self,
        start: bytes,
        end: bytes,
        *,
        after: int,
        selection: Selection,
        first: list[ApiEvent],
        size: int,
    ) -> tuple[trio.MemoryReceiveChannel[ApiEvent | StatusError], Subscriber, Hub] | None:
        """A queue of `first`, then every matching event after `after`; None: watch privately."""
        if self._nursery is None:
            return None
        key = (start, end)
        hub = self._hubs.get(key)
        if hub is None or not hub.covers(after):
            if hub is not None and hub.subscribers:
                return None
            hub = Hub(start, end, after, after)
            self._hubs[key] = hub
            self._nursery.start_soon(self._pump, hub)
        send, receive = trio.open_memory_channel[ApiEvent | StatusError](size + len(first))
        for event in first:
            send.send_nowait(event)
        sub = Subscriber(send, receive, selection, after, max(after, hub.position))
        sub.key = index_key(selection)
        for item in hub.history:
            sub.offer(item)
        hub.add(sub)
        return receive, sub, hub

    def unsubscribe(self, hub: Hub, sub: Subscriber) -> None:
        """Detach a watcher; the hub's store watch ends with its last subscriber."""
        hub.remove(sub)
        sub.send.close()
        if not hub.subscribers:
            hub.scope.cancel()
            if self._hubs.get((hub.start, hub.end)) is hub:
                del self._hubs[(hub.start, hub.end)]

    async def _pump(self, hub: Hub) -> None:
        with hub.scope:
            try:
                with store_errors():
                    async with self.storage.store.watch(
                        hub.start, hub.end, start_revision=hub.base + 1, prev_kv=True
                    ) as events:
                        hub.opened = True
                        async for event in events:
                            item = Decoded(event)
                            hub.history.append(item)
                            if len(hub.history) > self.history_size:
                                hub.base = hub.history.popleft().event.revision
                            hub.position = event.revision
                            hub.offer(item)
            except Exception as err:
                if not isinstance(err, StatusError):
                    log.error("shared watch of %r failed: %r", hub.start, err)  # noqa: TRY400 - one line
                    err = InternalError(f"the watch failed: {type(err).__name__}")
                hub.failed = True
                if self._hubs.get((hub.start, hub.end)) is hub:
                    del self._hubs[(hub.start, hub.end)]
                for sub in hub.subscribers:
                    sub.fail(err)


__all__ = ["HISTORY_SIZE", "INDEXED_FIELDS", "Hub", "Subscriber", "WatchCache", "index_key"]
