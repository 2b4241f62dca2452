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
from typing import Any, Literal

import attrs
import trio

from kernel.api.errors import BadRequest, StatusError
from kernel.apiserver.selectors import Selection
from kernel.apiserver.storage import Obj, Storage, decode, store_errors
from kernel.apiserver.wire import encode_json
from kernel.interfaces.store import EventType, WatchEvent, prefix_end

EventKind = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]

CHANNEL_SIZE = 1024
"""Events buffered between the store watch and a slow consumer (then the pump waits)."""

LINE_CACHE_SIZE = 4096
"""Encoded watch lines kept for reuse: one store event fans out to many HTTP watchers."""

_Source = tuple[str, bytes, int]
"""What fixes an event's wire line: its type, the stored bytes, the stamped revision."""

_lines: OrderedDict[_Source, bytes] = OrderedDict()
"""Encoded lines by content, so N watchers of one event encode it once (a cache, not state)."""


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
    try:
        rev = int(resource_version)  # type: ignore[arg-type]
    except ValueError:
        raise BadRequest(
            f"invalid resourceVersion {resource_version!r}: must be an integer"
        ) from None
    if rev < 0:
        raise BadRequest(f"invalid resourceVersion {resource_version!r}: must not be negative")
    return rev


def _event(kind: EventKind, obj: Obj, value: bytes, revision: int) -> ApiEvent:
    """An API event that remembers the stored bytes it was decoded from (for `line`)."""
    return ApiEvent(kind, obj, (kind, value, revision))


def translate(event: WatchEvent, selection: Selection) -> ApiEvent | None:
    """The API event for one store event, or None when the selection hides it."""
    rev = event.revision
    if event.type is EventType.DELETE:
        if event.prev_kv is None:
            return None
        old = decode(event.prev_kv, rev)
        return _event("DELETED", old, event.prev_kv.value, rev) if selection.matches(old) else None
    new = decode(event.kv)
    if selection.everything:
        return _event("ADDED" if event.kv.version == 1 else "MODIFIED", new, event.kv.value, rev)
    prev = event.prev_kv
    old = decode(prev, rev) if prev is not None else None
    new_ok, old_ok = selection.matches(new), old is not None and selection.matches(old)
    if new_ok:
        return _event("MODIFIED" if old_ok else "ADDED", new, event.kv.value, rev)
    if old_ok and old is not None and prev is not None:
        return _event("DELETED", old, prev.value, rev)
    return None


class WatchStream:
    """The consumer side: API events, bookmarks on a timer, an end at the deadline."""

    def __init__(
        self,
        receive: trio.MemoryReceiveChannel[ApiEvent | StatusError],
        spec: WatchSpec,
        last_rv: Callable[[], str],
    ) -> None:
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
            with trio.move_on_at(wake):
                item = await self._receive.receive()
                if isinstance(item, StatusError):
                    self._done = True
                    raise item
                return item
            now = trio.current_time()
            if now >= self._deadline:
                self._done = True
                raise StopAsyncIteration
            if self._receive.statistics().current_buffer_used:
                continue  # an event arrived as we woke: deliver it before any bookmark
            self._next_bookmark = now + self._spec.bookmark_interval
            # The queue was empty when we woke, so every event up to the pump's last revision
            # has been delivered: a bookmark there never overtakes an event.
            meta = {"resourceVersion": self._last_rv()}
            return ApiEvent(
                "BOOKMARK",
                {"kind": self._spec.kind, "apiVersion": self._spec.api_version, "metadata": meta},
            )


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
async def open_watch(storage: Storage, spec: WatchSpec) -> AsyncIterator[WatchStream]:
    """Open an API watch for the block; iterate the stream it yields for events."""
    start = parse_start(spec.resource_version)
    initial: list[ApiEvent] = []
    if start is None:
        initial, start = await _initial(storage, spec)
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
        leaf = _lone(group)
        if leaf is None:
            raise
        raise leaf from None


def _lone(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    """The single exception nested in `group` (groups of one), or None when there are more."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        if len(error.exceptions) != 1:
            return None
        error = error.exceptions[0]
    return error


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
