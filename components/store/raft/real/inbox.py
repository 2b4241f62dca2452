"""`Inbox`: an unbounded queue whose `get` returns at once while items are waiting.

Why not a trio memory channel: its `receive` yields to the scheduler for every item, which
costs a task switch per message. A member drains a burst of messages into one Ready batch,
so `get` only waits (and yields) when the queue is empty; it still raises at once if its
scope is cancelled.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import trio

T = TypeVar("T")


class Inbox(Generic[T]):
    """Put without blocking from any task; `get` in one consumer task."""

    __slots__ = ("_event", "_items", "_waiting")

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._event = trio.Event()
        self._waiting = False

    def put(self, item: T) -> None:
        """Queue `item` and wake the consumer if it waits."""
        self._items.append(item)
        if self._waiting:
            self._waiting = False
            self._event.set()

    async def get(self) -> T:
        """The oldest item; waits only if there is none."""
        items = self._items
        if items:
            await trio.lowlevel.checkpoint_if_cancelled()
            return items.popleft()
        while not items:
            self._event = trio.Event()
            self._waiting = True
            await self._event.wait()
        return items.popleft()

    def __len__(self) -> int:
        return len(self._items)


__all__ = ["Inbox"]
