"""Client sessions of the replicated store: a retried command is applied exactly once.

Every write a client sends carries ``(client_id, request_id)``, request ids increasing per
client (thesis section 6.3). Each replica's state machine keeps, per client, the last
request id it applied and that request's reply, so a retry after a timeout or a leader
change returns the first outcome instead of applying the command twice. The table is part
of the replicated state: it changes only by applying log entries, is evicted
deterministically (least recently used, by log index), and travels in snapshots.
"""

from __future__ import annotations

import enum
import json
from collections import OrderedDict

import attrs


class Verdict(enum.Enum):
    """What the state machine must do with a command, given its session."""

    APPLY = "apply"
    """A new request: apply it, then :meth:`SessionTable.record` the reply."""
    DUPLICATE = "duplicate"
    """A retry of the last applied request: return the recorded reply, apply nothing."""
    STALE = "stale"
    """Older than the last applied request; its reply is gone (the client moved on)."""


@attrs.frozen(slots=True)
class Lookup:
    """The verdict for one command and, for a duplicate, the reply recorded first."""

    verdict: Verdict
    reply: bytes = b""


@attrs.define(slots=True)
class _Session:
    request_id: int
    reply: bytes
    index: int
    """Log index of the entry that last touched this session (drives eviction)."""


class SessionTable:
    """Per-client last request and reply; identical on every replica that applied the same log."""

    def __init__(self, max_sessions: int = 10_000) -> None:
        if max_sessions <= 0:
            raise ValueError(f"max_sessions must be >= 1, got {max_sessions}")
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[int, _Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def lookup(self, client_id: int, request_id: int) -> Lookup:
        """Classify a command about to be applied (does not change the table)."""
        session = self._sessions.get(client_id)
        if session is None or request_id > session.request_id:
            return Lookup(Verdict.APPLY)
        if request_id == session.request_id:
            return Lookup(Verdict.DUPLICATE, session.reply)
        return Lookup(Verdict.STALE)

    def record(self, client_id: int, request_id: int, reply: bytes, index: int) -> None:
        """Remember the reply of a command just applied at log ``index``.

        Eviction removes the session touched longest ago once the table is full; every
        replica applies the same entries in the same order, so every replica evicts alike.
        """
        session = self._sessions.get(client_id)
        if session is not None and request_id <= session.request_id:
            raise ValueError(
                f"request {request_id} of client {client_id} is not newer than the "
                f"applied request {session.request_id}; call lookup() first"
            )
        self._sessions[client_id] = _Session(request_id, reply, index)
        self._sessions.move_to_end(client_id)
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)

    def encode(self) -> bytes:
        """Bytes for a snapshot; :meth:`decode` restores an equal table."""
        rows = [
            [client, s.request_id, s.reply.hex(), s.index] for client, s in self._sessions.items()
        ]
        return json.dumps({"max": self.max_sessions, "sessions": rows}).encode()

    @classmethod
    def decode(cls, data: bytes) -> SessionTable:
        """Inverse of :meth:`encode` (order, and so future evictions, are preserved)."""
        doc = json.loads(data)
        table = cls(doc["max"])
        for client, request_id, reply, index in doc["sessions"]:
            table._sessions[client] = _Session(request_id, bytes.fromhex(reply), index)
        return table

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SessionTable):
            return NotImplemented
        return self.max_sessions == other.max_sessions and list(self._sessions.items()) == list(
            other._sessions.items()
        )

    __hash__ = None  # type: ignore[assignment]
