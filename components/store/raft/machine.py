"""The replicated state machine of a Raft member: MVCC store, client sessions, applied time.

Every member applies the same committed commands in the same order to a `MemoryStore` whose
clock is the time stamped on the command being applied (`AppliedClock`), so leases expire at
the same log position everywhere; the leader proposes `tick` commands so that leases expire
without other traffic. `SessionTable` makes a retried command (same ``(client, seq)``) apply
once. `dump`/`load` turn the whole machine into plain values for snapshots.

A command is ``(client, seq, stamp, method, args)``: `client` a str, `seq` its request number
(0 for none), `stamp` the proposer's wall time, `method` a Store method name, `args` its
keyword arguments in `wire` form.
"""

from __future__ import annotations

from typing import Any

from components.store.memory import MemoryStore
from components.store.memory._leases import Lease
from components.store.raft.sessions import SessionTable, Verdict
from components.store.raft.values import pack, unpack
from components.store.raft.wire import error_to_wire, from_wire, to_wire
from kernel.interfaces.store import (
    EventType,
    KeyValue,
    StoreError,
    StoreUnavailableError,
    WatchEvent,
)

WRITE_METHODS = frozenset(
    {
        "put",
        "delete_range",
        "txn",
        "compact",
        "lease_grant",
        "lease_keepalive",
        "lease_revoke",
        "lease_time_to_live",
    }
)
"""Store methods that go through the log (lease_time_to_live reads the applied time)."""
READ_METHODS = frozenset({"range", "status"})
"""Store methods served locally after a ReadIndex round."""
TICK = "tick"


class AppliedClock:
    """The time of the command being applied: identical on every member, never decreasing."""

    def __init__(self, time: float = 0.0) -> None:
        self.time = time

    def now(self) -> float:
        return self.time

    def advance(self, time: float) -> None:
        self.time = max(self.time, time)


def encode_command(client: str, seq: int, stamp: float, method: str, args: Any) -> bytes:
    """The bytes of one log command (see the module docstring)."""
    return pack((client, seq, stamp, method, args))


def ok_reply(result: Any) -> Any:
    """A session reply for a success (plain data)."""
    return ("ok", to_wire(result))


def error_reply(exc: StoreError) -> Any:
    """A session reply for a `StoreError` (plain data)."""
    return ("error", error_to_wire(exc))


class StateMachine:
    """MVCC store + sessions, changed only by `apply` (or replaced by `load`)."""

    def __init__(self) -> None:
        self.clock = AppliedClock()
        self.store = MemoryStore(clock=self.clock)
        self.sessions = SessionTable()
        self.applied = 0

    async def apply(self, index: int, data: bytes) -> tuple[str, int, Any] | None:
        """Apply the command at log `index`; return ``(client, seq, reply)`` to answer, if any.

        `reply` is ``("ok", wire result)`` or ``("error", wire error)``.
        """
        self.applied = index
        client, seq, stamp, method, args = unpack(data)
        self.clock.advance(stamp)
        if method == TICK:
            self.store.expire_leases()
            return None
        if seq:
            found = self.sessions.lookup(client, seq)  # type: ignore[arg-type]
            if found.verdict is Verdict.DUPLICATE:
                return client, seq, unpack(found.reply)
            if found.verdict is Verdict.STALE:
                stale = StoreUnavailableError("stale request (a newer one applied)", definite=True)
                return client, seq, error_reply(stale)
        reply = await self.run(method, args)
        if seq:
            self.sessions.record(client, seq, pack(reply), index)  # type: ignore[arg-type]
        return client, seq, reply

    async def run(self, method: str, args: Any) -> Any:
        """Execute one Store method with wire `args` on the local store; the reply."""
        if method not in WRITE_METHODS and method not in READ_METHODS:
            return error_reply(_invalid(f"unknown store method {method!r}"))
        kwargs = from_wire(args)
        if not isinstance(kwargs, dict):
            return error_reply(_invalid(f"args of {method} must be a mapping"))
        try:
            if method == "txn":
                for branch in ("compares", "success", "failure"):
                    if branch in kwargs:
                        kwargs[branch] = list(kwargs[branch])
            result = await getattr(self.store, method)(**kwargs)
        except StoreError as exc:
            return error_reply(exc)
        except (TypeError, ValueError) as exc:
            return error_reply(_invalid(f"bad arguments for {method}: {exc}"))
        return ok_reply(result)

    # -- snapshots -------------------------------------------------------------------------

    def dump(self) -> bytes:
        """The whole machine as bytes (for a snapshot at `applied`)."""
        s = self.store
        leases = s._leases
        doc = {
            "rev": s._revision,
            "crev": s._compact_revision,
            "hist": [
                (key, [(rev, None if kv is None else _kv(kv)) for rev, kv in hist])
                for key, hist in s._history.items()
            ],
            "compactable": list(s._compactable),
            "log": [(e.type.value, _kv(e.kv), _kv(e.prev_kv)) for e in s.log],
            "log_base": s.log_base,
            "leases": [(x.id, x.ttl, x.deadline, list(x.keys)) for x in leases._leases.values()],
            "next_lease": leases._next_id,
            "clock": self.clock.time,
            "sessions": self.sessions.encode(),
            "applied": self.applied,
        }
        return pack(doc)

    @classmethod
    def load(cls, data: bytes) -> StateMachine:
        """A machine equal to the one `dump` captured."""
        doc = unpack(data)
        m = cls()
        m.clock.time = doc["clock"]
        m.applied = doc["applied"]
        m.sessions = SessionTable.decode(doc["sessions"])
        s = m.store
        s._revision = doc["rev"]
        s._compact_revision = doc["crev"]
        for key, rows in doc["hist"]:
            hist = [(rev, None if kv is None else KeyValue(*kv)) for rev, kv in rows]
            s._history[key] = hist
            s._history_entries += len(hist)
            s._known.add(key)
            if hist[-1][1] is not None:
                s._live.add(key)
        s._compactable = dict.fromkeys(doc["compactable"])
        s.log = [
            WatchEvent(EventType(t), KeyValue(*kv), None if prev is None else KeyValue(*prev))
            for t, kv, prev in doc["log"]
        ]
        s.log_base = doc["log_base"]
        table = s._leases
        for lease_id, ttl, deadline, keys in doc["leases"]:
            table._leases[lease_id] = Lease(lease_id, ttl, deadline, dict.fromkeys(keys))
        table._deadlines = sorted((x.deadline, x.id) for x in table._leases.values())
        table._next_id = doc["next_lease"]
        return m


def _kv(kv: KeyValue | None) -> tuple[Any, ...] | None:
    if kv is None:
        return None
    return (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version, kv.lease)


def _invalid(text: str) -> StoreError:
    from kernel.interfaces.store import InvalidRequestError

    return InvalidRequestError(text)


__all__ = [
    "READ_METHODS",
    "TICK",
    "WRITE_METHODS",
    "AppliedClock",
    "StateMachine",
    "encode_command",
    "error_reply",
    "ok_reply",
]
