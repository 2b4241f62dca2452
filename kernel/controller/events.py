"""`EventRecorder`: Kubernetes Events about objects, aggregated as client-go's recorder does.

`recorder.event(obj, "Warning", "BackOff", "Back-off restarting failed container")` never
blocks the caller: events go into a bounded buffer that `run` writes to the API server. As
client-go's EventCorrelator:

- the same event again (same source, object, type, reason and message) updates the stored
  Event: ``count`` + 1 and a new ``lastTimestamp`` (``firstTimestamp`` kept);
- when 10 events of the same source, object, type and reason but different messages arrive
  within 10 minutes, further ones are folded into one Event whose message starts with
  ``(combined from similar events): ``;
- a spam filter allows each source and object a burst of 25 events, then one per 5 minutes.

Wall time comes from an injected `Clock`, so a simulated run names and stamps events the same
way every time. Event names are ``<object name>.<unix nanoseconds in hex>`` as in client-go.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Hashable
from typing import Any

import attrs
import trio

from kernel.api.errors import AlreadyExists, NotFound, StatusError
from kernel.client.protocol import Client
from kernel.client.types import APIConnectionError
from kernel.clock import Clock, WallClock
from kernel.objects import (
    Event,
    EventSource,
    KubeObject,
    ObjectMeta,
    ObjectReference,
    format_time,
)

log = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
EVENT_TYPES = (NORMAL, WARNING)

SIMILAR_EVENTS_LIMIT = 10
"""Distinct messages of one (source, object, type, reason) before they are combined."""
SIMILAR_EVENTS_WINDOW = 600.0
"""Seconds in which similar events count towards the limit."""
COMBINED_PREFIX = "(combined from similar events): "
SPAM_BURST = 25
"""Events each (source, object) may send at once..."""
SPAM_REFILL_SECONDS = 300.0
"""...then one per this many seconds."""
CACHE_SIZE = 4096
"""Correlation entries kept (least recently used dropped), as client-go's LRU."""
BUFFER_SIZE = 1000
"""Events waiting to be written; more are dropped (and counted), never blocking a caller."""


@attrs.frozen
class RecorderStatistics:
    """What the recorder did: created, updated (aggregated), dropped (spam or full), failed."""

    created: int
    updated: int
    dropped: int
    failed: int


@attrs.define
class _Seen:
    """What was last written for one correlation key."""

    name: str
    namespace: str
    count: int
    first_timestamp: str


@attrs.define
class _Similar:
    """Distinct messages seen for one aggregation key, and when the window started."""

    messages: set[str]
    window_start: float


@attrs.define
class _Bucket:
    tokens: float
    last: float


def reference_to(obj: KubeObject) -> ObjectReference:
    """The `involvedObject` reference of an event about `obj`."""
    meta = obj.metadata
    return ObjectReference(
        kind=obj.KIND,
        namespace=meta.namespace,
        name=meta.name,
        uid=meta.uid,
        api_version=obj.API_VERSION,
        resource_version=meta.resource_version,
    )


class EventRecorder:
    """Records Events for one component (``source.component``) on one host."""

    def __init__(
        self,
        client: Client,
        component: str,
        *,
        host: str = "",
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.source = EventSource(component=component, host=host or None)
        self.clock = clock or WallClock()
        self._buffer: deque[tuple[ObjectReference, str, str, str, float]] = deque()
        self._wake = trio.Event()
        self._seen: OrderedDict[Hashable, _Seen] = OrderedDict()
        self._similar: OrderedDict[Hashable, _Similar] = OrderedDict()
        self._spam: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self._created = self._updated = self._dropped = self._failed = 0

    def event(
        self, obj: KubeObject | ObjectReference, type_: str, reason: str, message: str
    ) -> None:
        """Record that `reason` happened to `obj` (never blocks; `run` writes it)."""
        if type_ not in EVENT_TYPES:
            raise ValueError(f"event type must be one of {EVENT_TYPES}, not {type_!r}")
        ref = obj if isinstance(obj, ObjectReference) else reference_to(obj)
        now = self.clock.now()
        if not self._allowed(ref, now) or len(self._buffer) >= BUFFER_SIZE:
            self._dropped += 1
            return
        self._buffer.append((ref, type_, reason, message, now))
        self._wake.set()

    def statistics(self) -> RecorderStatistics:
        """Counters so far."""
        return RecorderStatistics(self._created, self._updated, self._dropped, self._failed)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Write recorded events until cancelled."""
        task_status.started()
        while True:
            await self.flush()
            self._wake = trio.Event()
            if not self._buffer:
                await self._wake.wait()

    async def flush(self) -> None:
        """Write every buffered event now (tests and shutdown call this directly)."""
        while self._buffer:
            ref, type_, reason, message, now = self._buffer.popleft()
            try:
                await self._write(ref, type_, reason, message, now)
            except (StatusError, APIConnectionError) as err:
                # Events are best effort, as in Kubernetes: log and go on.
                self._failed += 1
                log.warning("event %s %s/%s not written: %s", reason, ref.namespace, ref.name, err)

    # ------------------------------------------------------------------ correlation

    def _allowed(self, ref: ObjectReference, now: float) -> bool:
        key = (self.source.component, self.source.host, ref.kind, ref.namespace, ref.name, ref.uid)
        bucket = self._spam.get(key)
        if bucket is None:
            bucket = _Bucket(float(SPAM_BURST), now)
            _remember(self._spam, key, bucket)
        bucket.tokens = min(
            float(SPAM_BURST), bucket.tokens + (now - bucket.last) / SPAM_REFILL_SECONDS
        )
        bucket.last = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def _aggregate(
        self, ref: ObjectReference, type_: str, reason: str, message: str, now: float
    ) -> str:
        key = (self.source.component, self.source.host, ref.kind, ref.namespace, ref.name,
               ref.uid, ref.api_version, type_, reason)  # fmt: skip
        similar = self._similar.get(key)
        if similar is None or now - similar.window_start > SIMILAR_EVENTS_WINDOW:
            similar = _Similar(set(), now)
            _remember(self._similar, key, similar)
        similar.messages.add(message)
        if len(similar.messages) >= SIMILAR_EVENTS_LIMIT:
            return COMBINED_PREFIX + message
        return message

    async def _write(
        self, ref: ObjectReference, type_: str, reason: str, message: str, now: float
    ) -> None:
        message = self._aggregate(ref, type_, reason, message, now)
        combined = message.startswith(COMBINED_PREFIX)
        key = (self.source.component, self.source.host, ref.kind, ref.namespace, ref.name,
               ref.uid, ref.api_version, type_, reason,
               COMBINED_PREFIX if combined else message)  # fmt: skip
        stamp = format_time(now)
        seen = self._seen.get(key)
        if seen is not None:
            patch: dict[str, Any] = {"count": seen.count + 1, "lastTimestamp": stamp}
            if combined:
                patch["message"] = message
            try:
                await self.client.patch(Event, seen.name, patch, namespace=seen.namespace)
            except NotFound:
                pass  # deleted (or expired) meanwhile: write a new one below
            else:
                seen.count += 1
                self._seen.move_to_end(key)
                self._updated += 1
                return
        namespace = ref.namespace or "default"
        nanos = round(now * 1e9)
        for attempt in range(8):
            name = f"{ref.name}.{nanos + attempt:x}"
            event = Event(
                metadata=ObjectMeta(name=name, namespace=namespace),
                involved_object=ref,
                reason=reason,
                message=message,
                source=self.source,
                first_timestamp=stamp,
                last_timestamp=stamp,
                count=1,
                type=type_,
                reporting_component=self.source.component,
                reporting_instance=self.source.host,
            )
            try:
                await self.client.create(event, namespace=namespace)
            except AlreadyExists:
                continue
            _remember(self._seen, key, _Seen(name, namespace, 1, stamp))
            self._created += 1
            return
        self._failed += 1


def _remember(cache: OrderedDict[Hashable, Any], key: Hashable, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


__all__ = [
    "COMBINED_PREFIX",
    "EVENT_TYPES",
    "NORMAL",
    "WARNING",
    "EventRecorder",
    "RecorderStatistics",
    "reference_to",
]
