"""An in-process replicated store: the kernel Store contract as a state machine over Raft.

``open_raft_store(members=3, seed=0)`` runs ``members`` Raft cores in one trio task with an
in-memory network and storage (deterministic: trio's clock and a seeded RNG). Every request,
reads included, is a command in the Raft log; each replica applies committed commands to its
own MVCC state machine (a ``MemoryStore`` that is never given a clock of its own: its clock
reads the time stamped on the command being applied, so every replica sees the same time).
Lease expiry is decided by the leader: it proposes a ``tick`` command carrying its time, and
replicas expire leases when they apply it. Commands carry ``(client_id, request_id)``; the
replicated :class:`~components.store.raft.sessions.SessionTable` makes a retry apply once.

This driver has no faults and no disk (see ``docs/store.md``); the simulated and real
drivers of issue 6 are separate.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

import attrs
import trio

from components.store.memory import MemoryStore
from components.store.raft.core import (
    Config,
    EntryType,
    MemoryStorage,
    Message,
    ProposalDropped,
    RawNode,
    StateRole,
)
from components.store.raft.sessions import SessionTable, Verdict
from kernel.exception_groups import lone_exception
from kernel.interfaces.store import (
    Compare,
    DeleteResult,
    LeaseGrant,
    LeaseStatus,
    PutResult,
    RangeResult,
    StoreError,
    StoreStatus,
    StoreUnavailableError,
    TxnOp,
    TxnResult,
    WatchEvent,
)

TICK_SECONDS = 0.01
"""Virtual seconds per Raft tick (election timeout: 10 ticks)."""
LEASE_TICK_SECONDS = 0.25
"""How often the leader proposes a ``tick`` command so leases expire without traffic."""
REQUEST_TIMEOUT = 1.0
"""Seconds to wait for a command to apply before retrying it (same request id)."""
MAX_ATTEMPTS = 5
"""Attempts before a request reports an unknown outcome."""


class _AppliedClock:
    """The time of the command being applied: identical on every replica."""

    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def advance(self, time: float) -> None:
        self.time = max(self.time, time)


@attrs.define
class _Replica:
    """One member: its Raft core, storage and state machine."""

    id: int
    node: RawNode
    storage: MemoryStorage
    clock: _AppliedClock
    state: MemoryStore
    sessions: SessionTable = attrs.Factory(SessionTable)


@attrs.define
class _Waiter:
    done: trio.Event = attrs.Factory(trio.Event)
    reply: bytes = b""


class RaftStore:
    """A Store whose every request goes through the Raft log of an in-process cluster."""

    def __init__(self, members: int, seed: int) -> None:
        ids = list(range(1, members + 1))
        self._replicas: dict[int, _Replica] = {}
        for i in ids:
            storage = MemoryStorage.bootstrap(ids)
            clock = _AppliedClock()
            node = RawNode(Config(id=i), storage, random.Random(seed * 1000 + i))
            self._replicas[i] = _Replica(i, node, storage, clock, MemoryStore(clock=clock))
        self._serving = self._replicas[ids[0]]
        """Answers are taken when this replica applies (so its watches see acked writes)."""
        self._network: list[Message] = []
        self._waiters: dict[tuple[int, int], _Waiter] = {}
        self._free_lanes: list[tuple[int, int]] = []
        """Idle sessions as (client id, last request id): one per concurrent request, so
        requests of one session are sequential and their ids increase in log order."""
        self._lanes = 0
        self._wake = trio.Event()
        self._last_lease_tick = 0.0
        self._last_tick_time = 0.0

    # -- driver ---------------------------------------------------------------------

    async def run(self) -> None:
        """Tick, pump Readys and apply until cancelled."""
        while True:
            with trio.move_on_after(TICK_SECONDS):
                await self._wake.wait()
            self._wake = trio.Event()
            now = trio.current_time()
            if now - self._last_tick_time >= TICK_SECONDS:
                self._last_tick_time = now
                for r in self._replicas.values():
                    r.node.tick()
                self._maybe_lease_tick(now)
            await self._pump()

    def _maybe_lease_tick(self, now: float) -> None:
        if now - self._last_lease_tick < LEASE_TICK_SECONDS:
            return
        leader = self._leader()
        if leader is None:
            return
        self._last_lease_tick = now
        with suppress(ProposalDropped):
            leader.node.propose(pickle.dumps((0, 0, now, "tick", (), {})))

    async def _pump(self) -> None:
        """Handle Readys and deliver messages until the cluster is quiet."""
        while True:
            moved = False
            for r in self._replicas.values():
                while (rd := r.node.ready()) is not None:
                    moved = True
                    if rd.snapshot is not None:
                        raise RuntimeError("this driver never compacts, so never snapshots")
                    r.storage.append(rd.entries)
                    if rd.hard_state is not None:
                        r.storage.set_hard_state(rd.hard_state)
                    self._network.extend(rd.messages)
                    for e in rd.committed_entries:
                        if e.type == EntryType.Normal and e.data:
                            await self._apply(r, e.index, e.data)
                    r.node.advance(rd)
            msgs, self._network = self._network, []
            for m in msgs:
                moved = True
                self._replicas[m.to].node.step(m)
            if not moved:
                return

    async def _apply(self, r: _Replica, index: int, data: bytes) -> None:
        client, request, stamp, op, args, kwargs = pickle.loads(data)  # noqa: S301 (own log)
        r.clock.advance(stamp)
        if op == "tick":
            r.state.expire_leases()
            return
        found = r.sessions.lookup(client, request)
        if found.verdict is Verdict.APPLY:
            try:
                result: Any = ("ok", await getattr(r.state, op)(*args, **kwargs))
            except StoreError as exc:
                result = ("error", (type(exc), exc.args, vars(exc)))
            reply = pickle.dumps(result)
            r.sessions.record(client, request, reply, index)
        elif found.verdict is Verdict.DUPLICATE:
            reply = found.reply
        else:
            stale = StoreUnavailableError("stale request", definite=True)
            reply = pickle.dumps(("error", (type(stale), stale.args, vars(stale))))
        if r is self._serving:
            waiter = self._waiters.get((client, request))
            if waiter is not None:
                waiter.reply = reply
                waiter.done.set()

    def _leader(self) -> _Replica | None:
        for r in self._replicas.values():
            if r.node.raft.role == StateRole.Leader:
                return r
        return None

    # -- client side ---------------------------------------------------------------

    async def _submit(self, op: str, *args: object, **kwargs: object) -> Any:
        """Propose a command at the leader, retrying with the same request id."""
        self._serving.state.check_open()
        if self._free_lanes:
            client, last = self._free_lanes.pop()
        else:
            self._lanes += 1
            client, last = self._lanes, 0
        key = (client, last + 1)
        waiter = self._waiters[key] = _Waiter()
        try:
            for _ in range(MAX_ATTEMPTS):
                leader = self._leader()
                if leader is not None:
                    data = pickle.dumps((*key, trio.current_time(), op, args, kwargs))
                    with suppress(ProposalDropped):
                        leader.node.propose(data)
                    self._wake.set()
                with trio.move_on_after(REQUEST_TIMEOUT):
                    await waiter.done.wait()
                if waiter.done.is_set():
                    kind, value = pickle.loads(waiter.reply)  # noqa: S301 (own log)
                    if kind == "error":
                        raise _rebuild_error(*value)
                    return value
        finally:
            del self._waiters[key]
            self._free_lanes.append(key)
        raise StoreUnavailableError(
            f"{op} did not commit after {MAX_ATTEMPTS} attempts; it may still apply",
            definite=False,
        )

    async def range(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        revision: int = 0,
        limit: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
    ) -> RangeResult:
        """Linearizable read: it is ordered in the log like a write."""
        return await self._submit(
            "range",
            key,
            range_end,
            revision=revision,
            limit=limit,
            keys_only=keys_only,
            count_only=count_only,
        )

    async def put(
        self, key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False
    ) -> PutResult:
        """Replicated put."""
        return await self._submit("put", key, value, lease=lease, prev_kv=prev_kv)

    async def delete_range(
        self, key: bytes, range_end: bytes | None = None, *, prev_kv: bool = False
    ) -> DeleteResult:
        """Replicated delete."""
        return await self._submit("delete_range", key, range_end, prev_kv=prev_kv)

    async def txn(
        self,
        compares: Sequence[Compare],
        success: Sequence[TxnOp] = (),
        failure: Sequence[TxnOp] = (),
    ) -> TxnResult:
        """Replicated transaction: compares and ops run atomically at apply time."""
        return await self._submit("txn", list(compares), list(success), list(failure))

    def watch(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        """Watch the serving replica, which has applied every acknowledged request."""
        return self._serving.state.watch(
            key, range_end, start_revision=start_revision, prev_kv=prev_kv
        )

    async def compact(self, revision: int) -> None:
        """Replicated compaction (every replica compacts at the same log position)."""
        await self._submit("compact", revision)

    async def lease_grant(self, ttl: int, lease_id: int = 0) -> LeaseGrant:
        """Grant a lease; its deadline comes from the leader's time stamped on the entry."""
        return await self._submit("lease_grant", ttl, lease_id)

    async def lease_keepalive(self, lease_id: int) -> int:
        """Renew a lease through the log."""
        return await self._submit("lease_keepalive", lease_id)

    async def lease_revoke(self, lease_id: int) -> None:
        """Revoke a lease through the log."""
        await self._submit("lease_revoke", lease_id)

    async def lease_time_to_live(self, lease_id: int, *, keys: bool = False) -> LeaseStatus:
        """Remaining TTL as of the time stamped on this read's entry."""
        return await self._submit("lease_time_to_live", lease_id, keys=keys)

    async def status(self) -> StoreStatus:
        """Revision and compaction boundary, read through the log."""
        return await self._submit("status")

    def close(self) -> None:
        """Refuse further requests and end open watches."""
        for r in self._replicas.values():
            r.state.close()


def _rebuild_error(
    cls: type[StoreError], args: tuple[Any, ...], state: dict[str, Any]
) -> StoreError:
    """Recreate a StoreError recorded in a session reply (its __init__ may take keywords)."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


@asynccontextmanager
async def open_raft_store(*, members: int = 3, seed: int = 0) -> AsyncIterator[RaftStore]:
    """Open an empty replicated store of ``members`` in-process Raft members.

    The block waits for the first leader before yielding; leaving it stops the cluster.
    """
    if members < 1:
        raise ValueError(f"members must be >= 1, got {members}")
    store = RaftStore(members, seed)
    store._last_tick_time = trio.current_time()
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(store.run)
            store._replicas[1].node.campaign()
            store._wake.set()
            while store._leader() is None:
                await trio.sleep(TICK_SECONDS)
            try:
                yield store
            finally:
                store.close()
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        lone = lone_exception(group, deep=False)
        if lone is not None:
            raise lone from None
        raise
