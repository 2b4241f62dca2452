"""Pending ReadIndex requests on the leader, confirmed by a quorum of heartbeat acks.

A read can be served at the leader's commit index only once a majority has acknowledged a
heartbeat sent *after* the request arrived: that proves no newer leader existed at that
moment, so a deposed leader never answers (thesis section 6.4).
"""

from __future__ import annotations

import attrs

from .messages import Message


@attrs.define(slots=True)
class ReadIndexStatus:
    """One pending read: the request, the commit index when it arrived, who has acked."""

    request: Message
    index: int
    acks: set[int] = attrs.Factory(set)


class ReadOnly:
    """FIFO of read requests keyed by their context (contexts must be unique per leader)."""

    def __init__(self) -> None:
        self.pending: dict[bytes, ReadIndexStatus] = {}
        self.queue: list[bytes] = []

    def add_request(self, index: int, request: Message) -> None:
        ctx = request.context
        if ctx in self.pending:
            return
        self.pending[ctx] = ReadIndexStatus(request, index)
        self.queue.append(ctx)

    def recv_ack(self, node: int, ctx: bytes) -> set[int] | None:
        """Record that ``node`` answered the heartbeat carrying ``ctx``; the ack set."""
        status = self.pending.get(ctx)
        if status is None:
            return None
        status.acks.add(node)
        return status.acks

    def advance(self, ctx: bytes) -> list[ReadIndexStatus]:
        """Release ``ctx`` and every request queued before it (a later ack confirms them)."""
        if ctx not in self.pending:
            return []
        pos = self.queue.index(ctx)
        released = [self.pending.pop(c) for c in self.queue[: pos + 1]]
        del self.queue[: pos + 1]
        return released

    def last_pending_ctx(self) -> bytes:
        return self.queue[-1] if self.queue else b""

    def reset(self) -> None:
        self.pending.clear()
        self.queue.clear()
