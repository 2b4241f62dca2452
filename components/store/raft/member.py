"""The Raft store's member program: ``async def main(host: NodeHost)``, one per member.

The same code runs in the fault-injection simulator and on a real host. Membership is
``sorted([host.name, *host.peers])``; a member's Raft id is its 1-based position there. Any
sender not in ``host.peers`` is a client, answered with ``host.send(src, body)``.

One loop drives the pure core (`RawNode`): it takes *every* message already queued (peers'
Raft messages and clients' requests), the ticks due, then one `Ready`: the hard state and
entries are appended to the WAL with one fsync, then the batch's messages go out (one datagram
per peer), then committed entries are applied to the state machine and the leader answers
the clients whose commands applied. Many requests thus share one fsync and one AppendEntries.

Requests (see ``docs/store.md``):

* Maelstrom bodies ``read`` / ``write`` / ``cas`` / ``delete`` with ``msg_id``;
* Store RPC ``{"type": "store", "msg_id", "client", "seq", "method", "args"}`` covering the
  whole `Store` contract (watches push ``watch_event`` messages to the client);
* ``client_gone`` from a client's address, sent by a host whose client connections can end
  (the real TCP host): that client's watches stop.

Writes go through the log with ``(client, seq)`` (a Maelstrom request uses its sender and
``msg_id``), so a retried or duplicated request applies once. Reads are linearizable through
ReadIndex: the leader confirms with a heartbeat round that it still leads, then serves from
its state once it has applied up to the read index; a deposed leader never answers.
A member that is not the leader answers error 11 (temporarily unavailable, definite) with a
``leader`` hint.
"""

from __future__ import annotations

import functools
import json
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from typing import Any

import attrs
import trio

from components.store.raft.core import (
    NONE,
    CodecError,
    Config,
    EntryType,
    Message,
    ProposalDropped,
    RaftError,
    RawNode,
    Ready,
    StateRole,
    decode_message,
    encode_message,
)
from components.store.raft.core.mutants import Mutant
from components.store.raft.durable import DurableStorage
from components.store.raft.machine import (
    READ_METHODS,
    TICK,
    WRITE_METHODS,
    StateMachine,
    encode_command,
)
from components.store.raft.wire import error_to_wire, from_wire, to_wire
from kernel.hosting import Envelope, NodeHost
from kernel.interfaces.store import (
    Compare,
    InvalidRequestError,
    PutOp,
    RangeOp,
    StoreError,
    StoreUnavailableError,
    WatchEvent,
)
from kernel.maelstrom_codes import (
    CRASH,
    KEY_DOES_NOT_EXIST,
    MALFORMED_REQUEST,
    NOT_SUPPORTED,
    PRECONDITION_FAILED,
    TEMPORARILY_UNAVAILABLE,
)

NodeProgram = Callable[[NodeHost], Awaitable[None]]

MAX_DRAIN_ROUNDS = 256
"""Scheduling rounds the loop waits for queued messages before handling a batch."""
STORE_ERROR = 1000
"""Code of a contract error (`CompactedError`, `LeaseNotFoundError`, ...) on the Store RPC."""


@attrs.frozen
class MemberOptions:
    """Tunables of a member; `make_member(**options)` validates them (errors name the field)."""

    tick_seconds: float = 0.05
    """Length of one Raft tick on `host.now()`."""
    election_ticks: int = 10
    """Base election timeout in ticks (randomized in [T, 2T))."""
    heartbeat_ticks: int = 1
    snapshot_entries: int = 1000
    """Snapshot the state machine (and compact the log) every this many applied entries."""
    keep_entries: int = 200
    """Entries kept before a snapshot, so a briefly lagging follower needs no snapshot."""
    lease_tick_seconds: float = 0.5
    """How often the leader proposes a `tick` command while leases exist."""
    waiter_seconds: float = 10.0
    """How long a pending request waits for its command to apply before it is forgotten."""
    watch_progress_seconds: float = 1.0
    """How often an open watch tells its client it is alive (and the applied revision)."""
    mutants: frozenset[Mutant] = frozenset()
    """Deliberate core bugs (harness tests only)."""

    def validate(self) -> None:
        """Raise `ValueError` naming the first unusable option."""
        for name in ("tick_seconds", "lease_tick_seconds", "waiter_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("election_ticks", "heartbeat_ticks", "snapshot_entries"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.keep_entries < 0:
            raise ValueError(f"keep_entries must be >= 0, got {self.keep_entries!r}")


@attrs.define
class _Target:
    """Where to send the answer of one request."""

    src: str
    msg_id: Any
    kind: str
    """``store`` (Store RPC) or a Maelstrom type (``read``, ``write``, ``cas``, ``delete``)."""
    deadline: float


@attrs.define
class _Watch:
    client: str
    watch_id: Any
    scope: trio.CancelScope


def make_member(**options: Any) -> NodeProgram:
    """A member program with `MemberOptions` overridden by `options`."""
    opts = MemberOptions(**options)
    opts.validate()

    async def member_main(host: NodeHost) -> None:
        """Run one incarnation of a Raft store member on `host`."""
        await Member(host, opts).run()

    member_main.serves_delete = True  # type: ignore[attr-defined]  # chaos: `store` workload
    return member_main


async def main(host: NodeHost) -> None:
    """Run one incarnation of a Raft store member on `host` with the default options."""
    await Member(host, MemberOptions()).run()


main.serves_delete = True  # type: ignore[attr-defined]  # the chaos `store` workload may run


class Member:
    """One incarnation of a member: core, durable storage, state machine, pending requests."""

    def __init__(self, host: NodeHost, options: MemberOptions) -> None:
        self.host = host
        self.options = options
        self.names = sorted([host.name, *host.peers])
        self.ids = {name: i + 1 for i, name in enumerate(self.names)}
        self.id = self.ids[host.name]
        self.peers = frozenset(host.peers)
        self.storage = DurableStorage.open(host.disk, list(self.ids.values()))
        snap = self.storage.snapshot()
        self.machine = StateMachine.load(snap.data) if snap.data else StateMachine()
        self.machine.applied = snap.metadata.index
        config = Config(
            id=self.id,
            election_tick=options.election_ticks,
            heartbeat_tick=options.heartbeat_ticks,
            pre_vote=True,
            check_quorum=True,
            mutants=options.mutants,
        )
        self.node = RawNode(config, self.storage, host.rng)
        self.inbox: deque[Envelope] = deque()
        self.wake = trio.Event()
        self.ticks_due = 0
        self.waiters: dict[tuple[str, int], list[_Target]] = {}
        self.reads: dict[bytes, list[tuple[_Target, str, Any]]] = {}
        """ReadIndex context -> the reads waiting for it (kind, args)."""
        self.ready_reads: list[tuple[int, list[tuple[_Target, str, Any]]]] = []
        """Reads confirmed at an index, waiting for the state machine to reach it."""
        self.batch_reads: list[tuple[_Target, str, Any]] = []
        self.read_seq = 0
        self.nonce = host.rng.getrandbits(32)
        self.watches: dict[tuple[str, Any], _Watch] = {}
        self.last_lease_tick = host.now()
        self.nursery: trio.Nursery | None = None

    # -- loops -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Receive, tick and process until the host stops this incarnation."""
        async with AsyncExitStack() as stack:
            self.nursery = await stack.enter_async_context(trio.open_nursery())
            self.nursery.start_soon(self._receive_loop)
            self.nursery.start_soon(self._tick_loop)
            await self._process_loop()

    async def _receive_loop(self) -> None:
        host = self.host
        inbox = self.inbox
        while True:
            env = await host.recv()
            inbox.append(env)
            self.wake.set()

    async def _tick_loop(self) -> None:
        """One tick per period; like a Go ticker, ticks missed during a pause are dropped."""
        host = self.host
        period = self.options.tick_seconds
        while True:
            await host.sleep(period)
            self.ticks_due += 1
            self.wake.set()

    async def _process_loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake = trio.Event()
            # Let the receiver take every message that is already queued, so they share a Ready
            # (bounded, so a steady stream of requests cannot postpone the Ready forever).
            for _ in range(MAX_DRAIN_ROUNDS):
                before = len(self.inbox)
                await trio.lowlevel.checkpoint()
                if len(self.inbox) == before:
                    break
            ticks, self.ticks_due = self.ticks_due, 0
            for _ in range(ticks):
                self.node.tick()
            if ticks:
                self._housekeeping()
            inbox = self.inbox
            while inbox:
                self._handle(inbox.popleft())
            self._flush_reads()
            await self._drain_ready()

    # -- input -----------------------------------------------------------------------------

    def _handle(self, env: Envelope) -> None:
        src, body = env.src, env.payload
        if not isinstance(body, dict):
            return
        if src in self.peers:
            if body.get("type") == "raft":
                blobs = body.get("ms") or ([body["m"]] if "m" in body else [])
                for blob in blobs:
                    self._step(blob)
            return
        kind = body.get("type")
        msg_id = body.get("msg_id")
        if kind == "client_gone":  # the host says this client's connection ended
            self._drop_client(src)
            return
        try:
            if kind == "store":
                self._store_request(src, body)
            elif kind in ("read", "write", "cas", "delete"):
                self._maelstrom_request(src, kind, body)
            else:
                self._reply_error(src, msg_id, NOT_SUPPORTED, f"unsupported request {kind!r}")
        except (KeyError, TypeError, ValueError) as exc:
            self._reply_error(src, msg_id, MALFORMED_REQUEST, f"malformed request: {exc!r}")

    def _step(self, blob: Any) -> None:
        try:
            m = decode_message(bytes(blob))
        except (CodecError, TypeError, ValueError):
            return
        if m.to != self.id or m.from_ not in self.ids.values():
            return
        try:
            self.node.step(m)
        except RaftError:
            return

    def _leader_name(self) -> str | None:
        lead = self.node.raft.lead
        return self.names[lead - 1] if lead != NONE and lead <= len(self.names) else None

    def _is_leader(self) -> bool:
        return self.node.raft.role == StateRole.Leader

    def _not_leader(self, src: str, msg_id: Any, kind: str) -> None:
        leader = self._leader_name()
        text = f"not the leader (leader: {leader})" if leader else "no leader known"
        self._reply_error(src, msg_id, TEMPORARILY_UNAVAILABLE, text, store=kind == "store")

    def _maelstrom_request(self, src: str, kind: str, body: dict[str, Any]) -> None:
        msg_id = body["msg_id"]
        if not self._is_leader():
            self._not_leader(src, msg_id, kind)
            return
        key = str(body["key"]).encode()
        target = _Target(src, msg_id, kind, self.host.now() + self.options.waiter_seconds)
        if kind == "read":
            self.batch_reads.append((target, "range", {"key": key}))
            return
        if kind == "write":
            method, args = "put", {"key": key, "value": json.dumps(body["value"]).encode()}
        elif kind == "delete":
            method, args = "delete_range", {"key": key}
        else:
            method = "txn"
            args = to_wire(
                {
                    "compares": [Compare(key, "value", "=", json.dumps(body["from"]).encode())],
                    "success": [PutOp(key, json.dumps(body["to"]).encode())],
                    "failure": [RangeOp(key)],
                }
            )
        if not isinstance(msg_id, int) or isinstance(msg_id, bool) or msg_id < 1:
            raise ValueError("msg_id must be a positive integer")
        self._propose(src, msg_id, method, args, target)

    def _store_request(self, src: str, body: dict[str, Any]) -> None:
        msg_id = body["msg_id"]
        method = body["method"]
        args = body.get("args") or {}
        if not isinstance(args, dict):
            raise TypeError("args must be a mapping")
        if not self._is_leader():
            self._not_leader(src, msg_id, "store")
            return
        target = _Target(src, msg_id, "store", self.host.now() + self.options.waiter_seconds)
        if method in READ_METHODS:
            self.batch_reads.append((target, method, args))
        elif method in WRITE_METHODS:
            client, seq = str(body["client"]), body["seq"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                raise ValueError("seq must be a positive integer")
            self._propose(client, seq, method, args, target)
        elif method == "watch":
            self._open_watch(src, msg_id, args)
        elif method == "cancel_watch":
            watch = self.watches.pop((src, args.get("watch_id")), None)
            if watch is not None:
                watch.scope.cancel()
            self._reply_ok(src, msg_id, None)
        else:
            err = InvalidRequestError(f"unknown store method {method!r}")
            self._reply_store_error(src, msg_id, err)

    def _propose(self, client: str, seq: int, method: str, args: Any, target: _Target) -> None:
        data = encode_command(client, seq, self.host.clock.now(), method, args)
        try:
            self.node.propose(data)
        except ProposalDropped as exc:
            self._reply_error(
                target.src,
                target.msg_id,
                TEMPORARILY_UNAVAILABLE,
                f"proposal dropped: {exc}",
                store=target.kind == "store",
            )
            return
        self.waiters.setdefault((client, seq), []).append(target)

    def _flush_reads(self) -> None:
        """One ReadIndex round for every read that arrived in this batch."""
        if not self.batch_reads:
            return
        batch, self.batch_reads = self.batch_reads, []
        self.read_seq += 1
        ctx = f"{self.nonce}:{self.read_seq}".encode()
        try:
            self.node.read_index(ctx)
        except ProposalDropped as exc:
            for target, _, _ in batch:
                self._reply_error(
                    target.src,
                    target.msg_id,
                    TEMPORARILY_UNAVAILABLE,
                    f"read dropped: {exc}",
                    store=target.kind == "store",
                )
            return
        self.reads[ctx] = batch

    # -- ready -----------------------------------------------------------------------------

    async def _drain_ready(self) -> None:
        node = self.node
        while (rd := node.ready()) is not None:
            await self._handle_ready(rd)
            node.advance(rd)
            self._maybe_snapshot()

    async def _handle_ready(self, rd: Ready) -> None:
        if rd.snapshot is not None:
            self.storage.install_snapshot(rd.snapshot)
            self._restore(rd.snapshot.data, rd.snapshot.metadata.index)
        self.storage.save(rd.hard_state, rd.entries, rd.must_sync)
        self._send(rd.messages)
        if rd.soft_state is not None and rd.soft_state.role != StateRole.Leader:
            self._fail_reads("leadership lost")
        for e in rd.committed_entries:
            if e.index <= self.machine.applied:
                continue
            if e.type == EntryType.Normal and e.data:
                done = await self.machine.apply(e.index, e.data)
                if done is not None:
                    self._answer_write(*done)
            self.machine.applied = e.index
        for rs in rd.read_states:
            batch = self.reads.pop(rs.request_ctx, None)
            if batch is not None:
                self.ready_reads.append((rs.index, batch))
        await self._serve_ready_reads()

    def _send(self, messages: tuple[Message, ...]) -> None:
        if not messages:
            return
        by_peer: dict[int, list[bytes]] = {}
        snaps: list[int] = []
        for m in messages:
            by_peer.setdefault(m.to, []).append(encode_message(m))
            if m.snapshot is not None:
                snaps.append(m.to)
        for to, blobs in by_peer.items():
            self.host.send(self.names[to - 1], {"type": "raft", "ms": blobs})
        for to in snaps:
            self.node.report_snapshot(to, True)

    def _restore(self, data: bytes, index: int) -> None:
        old = self.machine
        self.machine = StateMachine.load(data) if data else StateMachine()
        self.machine.applied = index
        old.store.close()  # open watches end; their clients resume elsewhere

    def _maybe_snapshot(self) -> None:
        applied = self.machine.applied
        last_snap = self.storage.snapshot().metadata.index
        if applied - last_snap < self.options.snapshot_entries:
            return
        if applied > self.storage.last_index():
            return
        self.storage.snapshot_and_compact(
            applied, self.node.conf_state, self.machine.dump(), self.options.keep_entries
        )

    # -- answers ---------------------------------------------------------------------------

    def _answer_write(self, client: str, seq: int, reply: Any) -> None:
        targets = self.waiters.pop((client, seq), None)
        if not targets:
            return
        for t in targets:
            if t.kind == "store":
                self._send_store_reply(t, reply)
            else:
                self._send_maelstrom_reply(t, reply)

    async def _serve_ready_reads(self) -> None:
        if not self.ready_reads:
            return
        applied = self.machine.applied
        keep = []
        for index, batch in self.ready_reads:
            if index > applied:
                keep.append((index, batch))
                continue
            for target, method, args in batch:
                reply = await self.machine.run(method, args)
                if target.kind == "store":
                    self._send_store_reply(target, reply)
                else:
                    self._send_maelstrom_reply(target, reply)
        self.ready_reads = keep

    def _fail_reads(self, why: str) -> None:
        pending = list(self.reads.values()) + [b for _, b in self.ready_reads]
        self.reads.clear()
        self.ready_reads = []
        for batch in pending:
            for target, _, _ in batch:
                self._reply_error(
                    target.src,
                    target.msg_id,
                    TEMPORARILY_UNAVAILABLE,
                    f"read not served: {why}",
                    store=target.kind == "store",
                )

    def _send_store_reply(self, t: _Target, reply: Any) -> None:
        status, value = reply
        if status == "ok":
            self.host.send(t.src, {"type": "store_ok", "in_reply_to": t.msg_id, "result": value})
        else:
            self._send_wire_error(t.src, t.msg_id, value)

    def _send_maelstrom_reply(self, t: _Target, reply: Any) -> None:
        status, value = reply
        if status != "ok":
            name = value.get("error")
            code = MALFORMED_REQUEST if name == "InvalidRequestError" else CRASH
            if name == "StoreUnavailableError" and value.get("definite"):
                code = TEMPORARILY_UNAVAILABLE
            self._reply_error(t.src, t.msg_id, code, str(value.get("text")))
            return
        result = from_wire(value)
        if t.kind == "read":
            if not result.kvs:
                self._reply_error(t.src, t.msg_id, KEY_DOES_NOT_EXIST, "no such key")
                return
            body = {"type": "read_ok", "value": json.loads(result.kvs[0].value)}
        elif t.kind == "cas":
            if not result.succeeded:
                missing = not result.responses[0].kvs
                if missing:
                    self._reply_error(t.src, t.msg_id, KEY_DOES_NOT_EXIST, "no such key")
                else:
                    text = "value differs from 'from'"
                    self._reply_error(t.src, t.msg_id, PRECONDITION_FAILED, text)
                return
            body = {"type": "cas_ok"}
        else:
            body = {"type": f"{t.kind}_ok"}
        body["in_reply_to"] = t.msg_id
        self.host.send(t.src, body)

    def _reply_ok(self, src: str, msg_id: Any, result: Any) -> None:
        self.host.send(src, {"type": "store_ok", "in_reply_to": msg_id, "result": result})

    def _reply_store_error(self, src: str, msg_id: Any, exc: StoreError) -> None:
        self._send_wire_error(src, msg_id, error_to_wire(exc))

    def _send_wire_error(self, src: str, msg_id: Any, err: dict[str, Any]) -> None:
        code = STORE_ERROR
        if err.get("error") == "StoreUnavailableError":
            code = TEMPORARILY_UNAVAILABLE if err.get("definite") else CRASH
        elif err.get("error") == "InvalidRequestError":
            code = MALFORMED_REQUEST
        body = {
            **err,
            "type": "error",
            "in_reply_to": msg_id,
            "code": code,
            "leader": self._leader_name(),
        }
        self.host.send(src, body)

    def _reply_error(
        self, src: str, msg_id: Any, code: int, text: str, *, store: bool = False
    ) -> None:
        body: dict[str, Any] = {"type": "error", "in_reply_to": msg_id, "code": code, "text": text}
        if store:
            body["error"] = "StoreUnavailableError" if code in (11, 13) else "StoreError"
            body["definite"] = code == TEMPORARILY_UNAVAILABLE
            body["leader"] = self._leader_name()
        self.host.send(src, body)

    # -- periodic --------------------------------------------------------------------------

    def _housekeeping(self) -> None:
        now = self.host.now()
        if self.waiters:
            stale = [k for k, ts in self.waiters.items() if all(t.deadline < now for t in ts)]
            for k in stale:
                del self.waiters[k]
        if (
            self._is_leader()
            and now - self.last_lease_tick >= self.options.lease_tick_seconds
            and len(self.machine.store._leases)
        ):
            self.last_lease_tick = now
            with suppress(ProposalDropped):
                self.node.propose(encode_command("", 0, self.host.clock.now(), TICK, {}))

    # -- watches ---------------------------------------------------------------------------

    def _open_watch(self, src: str, msg_id: Any, args: dict[str, Any]) -> None:
        watch_id = args.get("watch_id", msg_id)
        old = self.watches.pop((src, watch_id), None)
        if old is not None:
            old.scope.cancel()
        store = self.machine.store
        try:
            key = args["key"]
            range_end = args.get("range_end")
            start = args.get("start_revision", 0)
            if not isinstance(key, bytes) or not key:
                raise InvalidRequestError("key must be non-empty bytes")
            first, _ = store.watch_cursor(start)
        except StoreError as exc:
            self._reply_store_error(src, msg_id, exc)
            return
        scope = trio.CancelScope()
        self.watches[(src, watch_id)] = _Watch(src, watch_id, scope)
        self._reply_ok(src, msg_id, {"watch_id": watch_id, "start_revision": first})
        assert self.nursery is not None
        run = functools.partial(
            self._run_watch,
            src,
            watch_id,
            key=key,
            range_end=range_end,
            start=first,
            prev_kv=bool(args.get("prev_kv")),
            scope=scope,
        )
        self.nursery.start_soon(run)

    async def _run_watch(
        self,
        src: str,
        watch_id: Any,
        *,
        key: bytes,
        range_end: bytes | None,
        start: int,
        prev_kv: bool,
        scope: trio.CancelScope,
    ) -> None:
        store = self.machine.store
        reason: StoreError | None = None
        with scope:
            try:
                async with trio.open_nursery() as n:
                    n.start_soon(self._watch_progress, src, watch_id, store)
                    async with store.watch(
                        key, range_end, start_revision=start, prev_kv=prev_kv
                    ) as events:
                        async for event in events:
                            self._push_events(src, watch_id, [event])
            except StoreError as exc:
                reason = exc
        if (
            self.watches.get((src, watch_id), None) is not None
            and self.watches[(src, watch_id)].scope is scope
        ):
            del self.watches[(src, watch_id)]
            err = reason or StoreUnavailableError("watch ended", definite=True)
            self.host.send(src, {"type": "watch_end", "watch_id": watch_id, **error_to_wire(err)})

    def _drop_client(self, src: str) -> None:
        """End every watch of a client that has gone (its events have nowhere to go)."""
        for key in [k for k in self.watches if k[0] == src]:
            self.watches.pop(key).scope.cancel()

    def _push_events(self, src: str, watch_id: Any, events: list[WatchEvent]) -> None:
        self.host.send(
            src, {"type": "watch_event", "watch_id": watch_id, "events": to_wire(events)}
        )

    async def _watch_progress(self, src: str, watch_id: Any, store: Any) -> None:
        while True:
            await self.host.sleep(self.options.watch_progress_seconds)
            if store.closed:
                return
            self.host.send(
                src,
                {"type": "watch_progress", "watch_id": watch_id, "revision": store._revision},
            )


compacting_main = make_member(snapshot_entries=16, keep_entries=4)
"""`main` with a snapshot every 16 applied entries: exercises snapshots, log compaction and
InstallSnapshot in short chaos runs (``--program components.store.raft.member:compacting_main``)."""
__all__ = ["Member", "MemberOptions", "compacting_main", "main", "make_member"]
