"""Watches over etcd's streaming `/v3/watch` gateway call.

Entering `open_watch` sends a `create_request` and waits for etcd's `created` answer, so a
write made after entering is always seen (for `start_revision=0` etcd starts the watch at
the revision current when it was created). The iterator yields one `WatchEvent` per etcd
event; a `canceled` answer carrying `compact_revision` becomes `CompactedError`. If the
stream breaks, the watch is re-created from the revision after the last event delivered (on
the next endpoint), so events stay gap- and duplicate-free; only when that fails too does the
iterator raise `StoreUnavailableError`. etcd delivers the events of one txn in the order of
its ops; they are re-sorted by key, as the contract asks (one revision never spans two etcd
messages, since the watch does not ask for fragments). Leaving the block closes the HTTP
stream, which ends the watch inside etcd.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import attrs
import trio

from components.store.etcd._client import GatewayClient, Json
from components.store.etcd._codec import as_int, b64, decode_event, header_revision
from components.store.etcd._errors import EtcdServerError
from kernel.interfaces.store import CompactedError, StoreUnavailableError, WatchEvent

RESUME_ATTEMPTS = 3
"""How many times a broken watch stream is re-created before the iterator gives up."""


def _create_request(
    key: bytes, range_end: bytes | None, start_revision: int, prev_kv: bool
) -> Json:
    request: Json = {"key": b64(key)}
    if range_end is not None:
        request["range_end"] = b64(range_end)
    if start_revision:
        request["start_revision"] = str(start_revision)
    if prev_kv:
        request["prev_kv"] = True
    return {"create_request": request}


@attrs.define
class _Watch:
    """The iterator behind one open watch; re-creates the etcd stream if it breaks."""

    client: GatewayClient
    key: bytes
    range_end: bytes | None
    prev_kv: bool
    next_revision: int
    """The revision the next event must have at least (0: not known yet)."""
    messages: AsyncIterator[Json] | None = None
    _stream: AsyncExitStack | None = None
    pending: list[WatchEvent] = attrs.field(factory=list)

    async def start(self) -> None:
        """Open an etcd watch from `next_revision` and wait for its `created` answer."""
        await self.aclose()
        self._stream = AsyncExitStack()
        messages = await self._stream.enter_async_context(
            self.client.stream(
                "/v3/watch",
                _create_request(self.key, self.range_end, self.next_revision, self.prev_kv),
            )
        )
        async for message in messages:
            if message.get("created"):
                if not self.next_revision:
                    self.next_revision = header_revision(message) + 1
                self.messages = messages
                return
            self._check_canceled(message)
        raise StoreUnavailableError("etcd closed the watch before creating it", definite=True)

    async def aclose(self) -> None:
        """Close the current etcd stream, if any (this ends the watch inside etcd)."""
        self.messages = None
        stream, self._stream = self._stream, None
        if stream is not None:
            with trio.CancelScope(shield=True):
                await stream.aclose()

    def _check_canceled(self, message: Json) -> None:
        if not message.get("canceled"):
            return
        compact_revision = as_int(message.get("compact_revision"))
        if compact_revision:
            raise CompactedError(self.next_revision, compact_revision)
        reason = message.get("cancel_reason") or "no reason given"
        raise StoreUnavailableError(f"etcd canceled the watch: {reason}", definite=True)

    def __aiter__(self) -> _Watch:
        return self

    async def __anext__(self) -> WatchEvent:
        while not self.pending:
            await self._fill()
        event = self.pending.pop(0)
        self.next_revision = event.revision + 1
        return event

    async def _fill(self) -> None:
        for attempt in range(RESUME_ATTEMPTS + 1):
            try:
                if self.messages is None:
                    await self.start()
                assert self.messages is not None
                message = await anext(self.messages)
            except (StopAsyncIteration, StoreUnavailableError, EtcdServerError):
                # The stream ended or broke: drop it and resume from next_revision.
                await self.aclose()
                if attempt == RESUME_ATTEMPTS:
                    raise StoreUnavailableError(
                        f"etcd watch stream lost and not re-established after "
                        f"{RESUME_ATTEMPTS} attempts",
                        definite=True,
                    ) from None
                continue
            self._check_canceled(message)
            events = [decode_event(e) for e in message.get("events", ())]
            # etcd sends a txn's events in the order of its ops; the contract wants key order
            # within a revision. A revision's events always arrive in one message.
            events.sort(key=lambda e: (e.revision, e.kv.key))
            self.pending.extend(e for e in events if e.revision >= self.next_revision)
            return


@asynccontextmanager
async def open_watch(
    client: GatewayClient,
    key: bytes,
    range_end: bytes | None,
    *,
    start_revision: int,
    prev_kv: bool,
) -> AsyncGenerator[AsyncIterator[WatchEvent], Any]:
    """Watch the range from `start_revision` (0: from now on) until the block exits."""
    watch = _Watch(client, key, range_end, prev_kv, start_revision)
    try:
        await watch.start()
        yield watch
    finally:
        await watch.aclose()
