"""`RaftClient`: the `kernel.interfaces.store.Store` contract over a Raft store's members.

    async with RaftClient(transport) as store:
        await store.put(b"k", b"v")

It sends Store RPCs (``{"type": "store", "msg_id", "client", "seq", "method", "args"}``) to
the member it believes leads, follows ``leader`` hints on error 11, and rotates on
timeouts. A write carries ``(client, seq)`` from a *lane* (one per concurrent request, so a
lane's requests are sequential and its seq increases) and is retried with the same seq
across leader changes: the members' session table applies it once. When the deadline passes
and a write may have applied, it raises ``StoreUnavailableError(definite=False)``.

Watches are served by the member the client talks to. The member pushes ``watch_event``
messages and, every second, a ``watch_progress``; when the member falls silent, ends the
watch, or the client sees a newer leader, the client re-opens the watch on the leader from the
last delivered revision, skipping what it already delivered, so the stream has no gaps and no
duplicates. A compacted resume point ends the iterator with `CompactedError`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from components.store.raft.transport import ClientTransport
from components.store.raft.wire import error_from_wire, from_wire, to_wire
from kernel.interfaces.store import (
    CompactedError,
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
from kernel.maelstrom_codes import TEMPORARILY_UNAVAILABLE


@attrs.define
class _Call:
    done: trio.Event = attrs.Factory(trio.Event)
    member: str = ""
    reply: Any = None


@attrs.define
class _WatchState:
    send: trio.MemorySendChannel[Any]
    member: str = ""
    watch_id: int = 0
    heard: float = 0.0
    ended: Any = None
    """A `watch_end` payload from the member, if it ended the watch."""
    wake: trio.Event = attrs.Factory(trio.Event)


class RaftClient:
    """A `Store` over a `ClientTransport` to the members (see the module docstring)."""

    def __init__(
        self,
        transport: ClientTransport,
        *,
        client_id: str | None = None,
        attempt_timeout: float = 1.0,
        deadline: float = 10.0,
        watch_silence: float = 3.0,
        seed: int | None = None,
    ) -> None:
        """`client_id` names this client's sessions and must be unique among the clients.

        Default: ``client-<seed>`` when `seed` is given (replayable simulations), otherwise
        random bytes from the OS (two clients must never share a session name).

        `attempt_timeout`: how long one try waits for a reply; `deadline`: how long a request
        keeps retrying; `watch_silence`: how long a watch may hear nothing before it resumes
        on another member.
        """
        if not transport.members:
            raise ValueError("transport.members must name at least one member")
        for name in ("attempt_timeout", "deadline", "watch_silence"):
            if not locals()[name] > 0:
                raise ValueError(f"{name} must be > 0, got {locals()[name]!r}")
        self.transport = transport
        self.members = list(transport.members)
        if client_id is None:
            client_id = f"client-{seed}" if seed is not None else f"client-{os.urandom(8).hex()}"
        self.client_id = client_id
        self.attempt_timeout = attempt_timeout
        self.deadline = deadline
        self.watch_silence = watch_silence
        self._leader = 0
        self._msg_ids = itertools.count(1)
        self._calls: dict[int, _Call] = {}
        self._free_lanes: list[tuple[str, int]] = []
        self._lanes = 0
        self._watches: dict[int, _WatchState] = {}
        self._watch_ids = itertools.count(1)
        self._nursery: trio.Nursery | None = None
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> RaftClient:
        self._cm = self._run()
        await self._cm.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> bool | None:
        return await self._cm.__aexit__(*exc)  # type: ignore[arg-type]

    @asynccontextmanager
    async def _run(self) -> AsyncIterator[None]:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._receive_loop)
            try:
                yield
            finally:
                self._closed = True
                nursery.cancel_scope.cancel()

    async def _receive_loop(self) -> None:
        while True:
            member, payload = await self.transport.recv()
            if not isinstance(payload, dict):
                continue
            kind = payload.get("type")
            if kind in ("store_ok", "error"):
                call = self._calls.get(payload.get("in_reply_to"))  # type: ignore[arg-type]
                if call is not None and not call.done.is_set():
                    call.member, call.reply = member, payload
                    call.done.set()
                result = payload.get("result")
                if isinstance(result, dict) and "start_revision" in result:
                    opened = self._watches.get(result.get("watch_id"))  # type: ignore[arg-type]
                    if opened is not None and call is not None:
                        opened.member = member  # its events may follow at once
            elif kind in ("watch_event", "watch_progress", "watch_end"):
                watch = self._watches.get(payload.get("watch_id"))  # type: ignore[arg-type]
                if watch is None or watch.member != member:
                    continue
                watch.heard = trio.current_time()
                if kind == "watch_event":
                    for ev in payload.get("events") or ():
                        watch.send.send_nowait(from_wire(ev))
                elif kind == "watch_end":
                    watch.ended = payload
                    watch.wake.set()

    # -- requests --------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._nursery is None or self._closed:
            raise StoreUnavailableError(
                "RaftClient is not open: use `async with RaftClient(...)`", definite=True
            )

    async def _request(self, method: str, args: dict[str, Any], *, write: bool) -> Any:
        """Send one Store RPC until a member answers it or the deadline passes."""
        self._check_open()
        lane: tuple[str, int] | None = None
        seq = 0
        if write:
            if self._free_lanes:
                lane = self._free_lanes.pop()
            else:
                self._lanes += 1
                lane = (f"{self.client_id}/{self._lanes}", 0)
            seq = lane[1] + 1
        maybe_applied = False
        give_up = trio.current_time() + self.deadline
        last_error = "no member answered"
        try:
            while trio.current_time() < give_up:
                member = self.members[self._leader]
                msg_id = next(self._msg_ids)
                body = {"type": "store", "msg_id": msg_id, "method": method, "args": args}
                if lane is not None:
                    body["client"], body["seq"] = lane[0], seq
                call = self._calls[msg_id] = _Call()
                try:
                    self.transport.send(member, body)
                    with trio.move_on_after(
                        min(self.attempt_timeout, give_up - trio.current_time())
                    ):
                        await call.done.wait()
                finally:
                    del self._calls[msg_id]
                reply = call.reply
                if reply is None:
                    maybe_applied = maybe_applied or write
                    last_error = f"{member} did not answer within {self.attempt_timeout}s"
                    self._rotate()
                    continue
                if reply.get("type") == "store_ok":
                    return reply.get("result")
                code = reply.get("code")
                if code == TEMPORARILY_UNAVAILABLE:
                    last_error = str(reply.get("text", "unavailable"))
                    hint = reply.get("leader")
                    if hint in self.members and hint != member:
                        self._leader = self.members.index(hint)
                    else:
                        self._rotate()
                        await trio.sleep(min(0.05, self.attempt_timeout))
                    continue
                raise error_from_wire(reply)
        finally:
            if lane is not None:
                self._free_lanes.append((lane[0], seq))
        raise StoreUnavailableError(
            f"{method} got no answer within {self.deadline}s ({last_error})"
            + ("; it may still apply" if maybe_applied else ""),
            definite=not maybe_applied,
        )

    def _rotate(self) -> None:
        self._leader = (self._leader + 1) % len(self.members)

    # -- the Store contract ----------------------------------------------------------------

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
        """Linearizable read (ReadIndex on the leader)."""
        args = {
            "key": key,
            "range_end": range_end,
            "revision": revision,
            "limit": limit,
            "keys_only": keys_only,
            "count_only": count_only,
        }
        return from_wire(await self._request("range", args, write=False))  # type: ignore[no-any-return]

    async def put(
        self, key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False
    ) -> PutResult:
        """Replicated put."""
        args = {"key": key, "value": value, "lease": lease, "prev_kv": prev_kv}
        return from_wire(await self._request("put", args, write=True))  # type: ignore[no-any-return]

    async def delete_range(
        self, key: bytes, range_end: bytes | None = None, *, prev_kv: bool = False
    ) -> DeleteResult:
        """Replicated delete."""
        args = {"key": key, "range_end": range_end, "prev_kv": prev_kv}
        return from_wire(await self._request("delete_range", args, write=True))  # type: ignore[no-any-return]

    async def txn(
        self,
        compares: Sequence[Compare],
        success: Sequence[TxnOp] = (),
        failure: Sequence[TxnOp] = (),
    ) -> TxnResult:
        """Replicated transaction."""
        args = to_wire(
            {"compares": list(compares), "success": list(success), "failure": list(failure)}
        )
        return from_wire(await self._request("txn", args, write=True))  # type: ignore[no-any-return]

    async def compact(self, revision: int) -> None:
        """Replicated compaction."""
        await self._request("compact", {"revision": revision}, write=True)

    async def lease_grant(self, ttl: int, lease_id: int = 0) -> LeaseGrant:
        """Grant a lease (its deadline comes from the leader's stamped time)."""
        args = {"ttl": ttl, "lease_id": lease_id}
        return from_wire(await self._request("lease_grant", args, write=True))  # type: ignore[no-any-return]

    async def lease_keepalive(self, lease_id: int) -> int:
        """Renew a lease through the log."""
        return await self._request("lease_keepalive", {"lease_id": lease_id}, write=True)  # type: ignore[no-any-return]

    async def lease_revoke(self, lease_id: int) -> None:
        """Revoke a lease through the log."""
        await self._request("lease_revoke", {"lease_id": lease_id}, write=True)

    async def lease_time_to_live(self, lease_id: int, *, keys: bool = False) -> LeaseStatus:
        """A lease's remaining TTL, as of the time stamped on this request's entry."""
        args = {"lease_id": lease_id, "keys": keys}
        return from_wire(await self._request("lease_time_to_live", args, write=True))  # type: ignore[no-any-return]

    async def status(self) -> StoreStatus:
        """Revision and compaction boundary (linearizable)."""
        return from_wire(await self._request("status", {}, write=False))  # type: ignore[no-any-return]

    # -- watches ---------------------------------------------------------------------------

    @asynccontextmanager
    async def watch(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
    ) -> AsyncIterator[AsyncIterator[WatchEvent]]:
        """Watch the range on the leader; resumes on another member without gaps."""
        self._check_open()
        send, receive = trio.open_memory_channel[Any](float("inf"))
        watch_id = next(self._watch_ids)
        state = _WatchState(send, watch_id=watch_id)
        self._watches[watch_id] = state
        base = {"key": key, "range_end": range_end, "prev_kv": prev_kv, "watch_id": watch_id}
        try:
            first = await self._open_watch(state, {**base, "start_revision": start_revision})
            cursor = _Cursor(first)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._supervise, state, base, cursor)
                try:
                    yield _events(receive, cursor)
                finally:
                    nursery.cancel_scope.cancel()
        finally:
            self._watches.pop(watch_id, None)
            if state.member:
                self.transport.send(
                    state.member,
                    {
                        "type": "store",
                        "msg_id": next(self._msg_ids),
                        "method": "cancel_watch",
                        "args": {"watch_id": watch_id},
                    },
                )

    async def _open_watch(self, state: _WatchState, args: dict[str, Any]) -> int:
        """Open the watch on the leader; its first revision."""
        state.member = ""
        result = await self._request("watch", args, write=False)
        state.heard = trio.current_time()
        state.ended = None
        return int(result["start_revision"])

    async def _supervise(self, state: _WatchState, base: dict[str, Any], cursor: _Cursor) -> None:
        """Resume the watch when its member goes silent or ends it."""
        while True:
            state.wake = trio.Event()
            with trio.move_on_after(self.watch_silence / 3):
                await state.wake.wait()
            silent = trio.current_time() - state.heard > self.watch_silence
            ended = state.ended
            if ended is not None and ended.get("error") == "CompactedError":
                state.send.send_nowait(error_from_wire(ended))
                return
            if not silent and ended is None:
                continue
            self._rotate() if ended is None else None
            try:
                await self._open_watch(state, {**base, "start_revision": cursor.resume_at()})
            except CompactedError as exc:
                state.send.send_nowait(exc)
                return
            except StoreUnavailableError:
                continue


@attrs.define
class _Cursor:
    """What the consumer has seen: the revision to resume at and the keys delivered there."""

    next_revision: int
    last_revision: int = 0
    keys_at_last: set[bytes] = attrs.Factory(set)

    def resume_at(self) -> int:
        return self.last_revision if self.last_revision else self.next_revision

    def fresh(self, event: WatchEvent) -> bool:
        """Record `event` unless it was already delivered (True: deliver it)."""
        rev = event.kv.mod_revision
        if rev < self.last_revision or (rev < self.next_revision and not self.last_revision):
            return False
        if rev == self.last_revision:
            if event.kv.key in self.keys_at_last:
                return False
            self.keys_at_last.add(event.kv.key)
            return True
        self.last_revision = rev
        self.keys_at_last = {event.kv.key}
        return True


async def _events(
    receive: trio.MemoryReceiveChannel[Any], cursor: _Cursor
) -> AsyncIterator[WatchEvent]:
    async for item in receive:
        if isinstance(item, StoreError):
            raise item
        if cursor.fresh(item):
            yield item


__all__ = ["RaftClient"]
