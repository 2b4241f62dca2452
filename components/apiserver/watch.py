"""Watches in Kubernetes' terms over a store watch: ADDED/MODIFIED/DELETED/BOOKMARK/ERROR.

A store watch yields PUT and DELETE events on keys; here they become API events on objects,
filtered by the request's selectors the way Kubernetes' watch cache filters them: an object
that stops matching shows up as DELETED (its previous state, at the event's resourceVersion),
one that starts matching as ADDED. Without a resourceVersion (or with "0") the watch first
sends a synthetic ADDED for every current object, then goes live; with one it replays history
after it, and a compacted start ends the stream with a 410 Expired `StatusError`.

A pump task reads the store watch into a bounded channel, so the consumer can interleave
bookmarks and a deadline without cancelling the store's iterator mid-read.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal

import attrs
import trio

from components.apiserver.storage import Obj, Storage, decode, store_errors
from components.apiserver.wire import encode_json
from kernel.api.errors import BadRequest, StatusError
from kernel.api.selectors import Selection
from kernel.exception_groups import lone_exception
from kernel.interfaces.store import EventType, WatchEvent, prefix_end

if TYPE_CHECKING:
    from components.apiserver.watch_cache import Subscriber, WatchCache

EventKind = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]

CHANNEL_SIZE = 1024
"""Events buffered between the store watch and a slow consumer (then the pump waits)."""

LINE_CACHE_SIZE = 4096
"""Encoded watch lines kept for reuse: one store event fans out to many HTTP watchers."""

_Source = tuple[str, bytes, int]
"""What fixes an event's wire line: its type, the stored bytes, the stamped revision."""

_lines: OrderedDict[_Source, bytes] = OrderedDict()
"""Encoded lines by content, so N watchers of one event encode it once (a cache, not state)."""
_chunks: OrderedDict[_Source, bytes] = OrderedDict()
"""The same lines framed as HTTP chunks."""


def _frame(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


@attrs.frozen
class ApiEvent:
    """One watch event as Kubernetes sends it: ``{"type": ..., "object": ...}``."""

    type: EventKind
    object: Obj
    source: _Source | None = attrs.field(default=None, eq=False, repr=False)
    """(type, stored bytes, revision) the object was decoded from, when it came from the store."""

    def to_dict(self) -> dict[str, Any]:
        """Wire form (one line of the watch stream)."""
        return {"type": self.type, "object": self.object}

    def line(self) -> bytes:
        """The encoded wire line with its newline, shared between watchers of one store event."""
        if self.source is None:
            return encode_json(self.to_dict()) + b"\n"
        line = _lines.get(self.source)
        if line is None:
            line = _lines[self.source] = encode_json(self.to_dict()) + b"\n"
            if len(_lines) > LINE_CACHE_SIZE:
                _lines.popitem(last=False)
        return line

    def chunk(self) -> bytes:
        """`line` framed as one HTTP chunk, shared like the line itself."""
        if self.source is None:
            return _frame(self.line())
        framed = _chunks.get(self.source)
        if framed is None:
            framed = _chunks[self.source] = _frame(self.line())
            if len(_chunks) > LINE_CACHE_SIZE:
                _chunks.popitem(last=False)
        return framed

    @property
    def resource_version(self) -> str:
        """The object's (or bookmark's) resourceVersion."""
        return str((self.object.get("metadata") or {}).get("resourceVersion", ""))


@attrs.frozen
class WatchSpec:
    """What to watch: a key range, a selection, a start, and how to label bookmarks."""

    start: bytes
    end: bytes
    selection: Selection
    resource_version: str | None
    kind: str
    """Kind of the watched objects (for BOOKMARK objects)."""
    api_version: str
    bookmarks: bool = False
    bookmark_interval: float = 60.0
    timeout: float | None = None
    """Seconds after which the stream ends cleanly (``timeoutSeconds``)."""


def parse_start(resource_version: str | None) -> int | None:
    """None for "current state first" (unset or "0"), else the revision to watch after."""
    if resource_version in (None, "", "0"):
        return None
    text = str(resource_version)
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 20:
        raise BadRequest(f"invalid resourceVersion {text[:40]!r}: must be an integer")
    rev = int(text)
    if rev >= 2**63 - 1:  # the store watches from rev + 1, an int64 revision
        raise BadRequest(f"invalid resourceVersion {text!r}: too large")
    if rev < 0:
        raise BadRequest(f"invalid resourceVersion {resource_version!r}: must not be negative")
    return rev


def _event(kind: EventKind, obj: Obj, value: bytes, revision: int) -> ApiEvent:
    """An API event that remembers the stored bytes it was decoded from (for `line`)."""
    return ApiEvent(kind, obj, (kind, value, revision))


@attrs.define
class Decoded:
    """One store event with its objects decoded at most once (shared by every watcher of it)."""

    event: WatchEvent
    _new: Obj | None = None
    _old: Obj | None = None

    def new(self) -> Obj:
        """The object after a PUT."""
        if self._new is None:
            self._new = decode(self.event.kv)
        return self._new

    def old(self) -> Obj | None:
        """The object before the event (stamped at the event's revision), if known."""
        prev = self.event.prev_kv
        if prev is None:
            return None
        if self._old is None:
            self._old = decode(prev, self.event.revision)
        return self._old


def translate(event: WatchEvent | Decoded, selection: Selection) -> ApiEvent | None:
    """The API event for one store event, or None when the selection hides it.

    Objects of a `Decoded` event are shared between the watchers it is translated for: treat
    them as read-only (the HTTP front end only encodes them).
    """
    item = event if isinstance(event, Decoded) else Decoded(event)
    raw = item.event
    rev = raw.revision
    if raw.type is EventType.DELETE:
        old = item.old()
        if old is None or raw.prev_kv is None:
            return None
        return _event("DELETED", old, raw.prev_kv.value, rev) if selection.matches(old) else None
    new = item.new()
    if selection.everything:
        return _event("ADDED" if raw.kv.version == 1 else "MODIFIED", new, raw.kv.value, rev)
    old = item.old()
    new_ok, old_ok = selection.matches(new), old is not None and selection.matches(old)
    if new_ok:
        return _event("MODIFIED" if old_ok else "ADDED", new, raw.kv.value, rev)
    if old_ok and old is not None and raw.prev_kv is not None:
        return _event("DELETED", old, raw.prev_kv.value, rev)
    return None


class WatchStream:
    """The consumer side: API events, bookmarks on a timer, an end at the deadline."""

    def __init__(
        self,
        receive: trio.MemoryReceiveChannel[ApiEvent | StatusError],
        spec: WatchSpec,
        last_rv: Callable[[], str],
        subscriber: Subscriber | None = None,
    ) -> None:
        self._subscriber = subscriber
        self._sink: Callable[[ApiEvent], bool] | None = None
        self._receive = receive
        self._spec = spec
        self._last_rv = last_rv
        self._deadline = trio.current_time() + spec.timeout if spec.timeout else math.inf
        self._next_bookmark = trio.current_time() + spec.bookmark_interval
        self._done = False

    def __aiter__(self) -> WatchStream:
        return self

    async def __anext__(self) -> ApiEvent:
        if self._done:
            raise StopAsyncIteration
        while True:
            wake = self._deadline
            if self._spec.bookmarks:
                wake = min(wake, self._next_bookmark)
            if wake == math.inf:
                return self._unwrap(await self._receive_or_end())
            with trio.move_on_at(wake):
                return self._unwrap(await self._receive_or_end())
            now = trio.current_time()
            if now >= self._deadline:
                self._done = True
                raise StopAsyncIteration
            if self._receive.statistics().current_buffer_used:
                continue  # an event arrived as we woke: deliver it before any bookmark
            self._next_bookmark = now + self._spec.bookmark_interval
            # The queue was empty when we woke, so every event up to the pump's last revision
            # has been delivered: a bookmark there never overtakes an event.
            return self._bookmark()

    def attach(self, sink: Callable[[ApiEvent], bool]) -> bool:
        """Deliver events by calling `sink` from the shared watch itself (no task per event).

        Only shared watches can (False otherwise: iterate). `sink` must not block; it returns
        False when it cannot keep up, which ends the stream. Then `run_attached`.
        """
        if self._subscriber is None:
            return False
        self._sink = sink
        self._subscriber.attach(sink)
        return True

    async def run_attached(self) -> None:
        """Wait while an attached stream runs: bookmarks on the timer, the deadline, the end.

        Raises the `StatusError` that ended the stream, if one did (e.g. 410 Expired).
        """
        sub, sink = self._subscriber, self._sink
        if sub is None or sink is None:
            raise RuntimeError("run_attached() needs a successful attach() first")
        while not sub.ended.is_set():
            wake = self._deadline
            if self._spec.bookmarks:
                wake = min(wake, self._next_bookmark)
            with trio.move_on_at(wake):
                await sub.ended.wait()
            if sub.ended.is_set():
                break
            now = trio.current_time()
            if now >= self._deadline:
                return
            self._next_bookmark = now + self._spec.bookmark_interval
            # every event up to `seen` went to the sink already: the bookmark cannot overtake
            if not sink(self._bookmark()):
                return
        if sub.error is not None:
            raise sub.error

    def _bookmark(self) -> ApiEvent:
        meta = {"resourceVersion": self._last_rv()}
        return ApiEvent(
            "BOOKMARK",
            {"kind": self._spec.kind, "apiVersion": self._spec.api_version, "metadata": meta},
        )

    async def _receive_or_end(self) -> ApiEvent | StatusError:
        try:
            return await self._receive.receive()
        except trio.EndOfChannel:  # the source gave up on a slow consumer: end cleanly
            self._done = True
            raise StopAsyncIteration from None

    def _unwrap(self, item: ApiEvent | StatusError) -> ApiEvent:
        if isinstance(item, StatusError):
            self._done = True
            raise item
        return item


async def _initial(storage: Storage, spec: WatchSpec) -> tuple[list[ApiEvent], int]:
    """Synthetic ADDED events for the current state, and the revision they were read at."""
    events: list[ApiEvent] = []
    start, revision = spec.start, 0
    while True:
        res = await storage.range(start, spec.end, revision=revision, limit=500)
        revision = revision or res.revision
        for kv in res.kvs:
            obj = decode(kv)
            if spec.selection.matches(obj):
                events.append(_event("ADDED", obj, kv.value, kv.mod_revision))
        if not res.more or not res.kvs:
            return events, revision
        start = res.kvs[-1].key + b"\0"


async def _pump(
    storage: Storage,
    spec: WatchSpec,
    after: int,
    send: trio.MemorySendChannel[ApiEvent | StatusError],
    seen: list[int],
) -> None:
    async with send:
        try:
            with store_errors():
                async with storage.store.watch(
                    spec.start, spec.end, start_revision=after + 1, prev_kv=True
                ) as events:
                    async for event in events:
                        api = translate(event, spec.selection)
                        if api is not None:
                            await send.send(api)
                        seen[0] = event.revision  # only once it is queued: bookmarks trail
        except StatusError as err:
            await send.send(err)


@asynccontextmanager
async def open_watch(
    storage: Storage, spec: WatchSpec, cache: WatchCache | None = None
) -> AsyncIterator[WatchStream]:
    """Open an API watch for the block; iterate the stream it yields for events.

    With a running `cache` the watch shares one store watch with every other watcher of its
    key range (see `watch_cache`); the events are the same, their objects shared read-only.
    """
    start = parse_start(spec.resource_version)
    initial: list[ApiEvent] = []
    if start is None:
        initial, start = await _initial(storage, spec)
    shared = (
        cache.subscribe(
            spec.start,
            spec.end,
            after=start,
            selection=spec.selection,
            first=initial,
            size=CHANNEL_SIZE,
        )
        if cache is not None
        else None
    )
    if shared is not None:
        receive_shared, sub, hub = shared
        try:
            yield WatchStream(receive_shared, spec, lambda: str(sub.seen), sub)
        finally:
            assert cache is not None
            cache.unsubscribe(hub, sub)
        return
    send, receive = trio.open_memory_channel[ApiEvent | StatusError](CHANNEL_SIZE + len(initial))
    for event in initial:
        send.send_nowait(event)
    seen = [start]
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_pump, storage, spec, start, send, seen)
            try:
                yield WatchStream(receive, spec, lambda: str(seen[0]))
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        # the pump is cancelled, so a lone error is the consumer's own (e.g. 410 from the
        # stream): raise it as itself, not wrapped by this nursery
        leaf = lone_exception(group)
        if leaf is None:
            raise
        raise leaf from None


def key_range(prefix: bytes, exact_key: bytes | None = None) -> tuple[bytes, bytes]:
    """The [start, end) of a watch or list: one key when a name is pinned, else a prefix."""
    if exact_key is not None:
        return exact_key, exact_key + b"\0"
    return prefix, prefix_end(prefix)


__all__ = [
    "ApiEvent",
    "EventKind",
    "WatchSpec",
    "WatchStream",
    "key_range",
    "open_watch",
    "parse_start",
    "translate",
]
