"""`Inbox`: a queue whose `get` returns at once while items are waiting, with a soft limit.

Why not a trio memory channel: its `receive` yields to the scheduler for every item, which
costs a task switch per message. A member drains a burst of messages into one Ready batch,
so `get` only waits (and yields) when the queue is empty; it still raises at once if its
scope is cancelled.

`put` never blocks (a reader delivers a whole decoded chunk at once); readers call
`wait_for_room` before reading more from their socket, so a consumer slower than its senders
stops the reads and TCP flow control pushes back on the senders, instead of the queue
growing without bound. The queue holds at most `limit` items plus one chunk per reader.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import trio

T = TypeVar("T")

INBOX_LIMIT = 16384
"""Items an inbox holds before its readers wait (a few MB of Raft messages or requests)."""


class Inbox(Generic[T]):
    """Put without blocking from any task; `get` in one consumer task; readers wait for room."""

    __slots__ = ("_event", "_items", "_room", "_waiting", "limit")

    def __init__(self, limit: int = INBOX_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._items: deque[T] = deque()
        self._event = trio.Event()
        self._waiting = False
        self._room: trio.Event | None = None
        """Set (and dropped) once the queue is below `limit` again, while readers wait."""

    def put(self, item: T) -> None:
        """Queue `item` and wake the consumer if it waits."""
        self._items.append(item)
        if self._waiting:
            self._waiting = False
            self._event.set()

    async def wait_for_room(self) -> None:
        """Return once the queue holds fewer than `limit` items (at once if it does)."""
        while len(self._items) >= self.limit:
            if self._room is None:
                self._room = trio.Event()
            await self._room.wait()

    def _taken(self) -> None:
        room = self._room
        if room is not None and len(self._items) < self.limit:
            self._room = None
            room.set()

    async def get(self) -> T:
        """The oldest item; waits only if there is none."""
        items = self._items
        if items:
            await trio.lowlevel.checkpoint_if_cancelled()
        else:
            while not items:
                self._event = trio.Event()
                self._waiting = True
                await self._event.wait()
        item = items.popleft()
        if self._room is not None:
            self._taken()
        return item

    def __len__(self) -> int:
        return len(self._items)


__all__ = ["INBOX_LIMIT", "Inbox"]
