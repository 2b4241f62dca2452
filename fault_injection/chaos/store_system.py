"""Run any `kernel` Store implementation as the system under test.

The store is opened once for the run on the first node (the *server*); the other nodes are
*gateways* that forward requests to it over the simulated network, so partitions, pauses and
kills between gateways and server produce timeouts, `info` operations and recovery, exactly as
for a remote store. A single-copy store has no replication, so the harness treats its state
as durable: a kill of the server loses in-flight requests, not data (it models a server that
fsyncs every write). Requests are de-duplicated by ``(client, msg_id)`` so network
duplication does not apply a write twice.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fault_injection.maelstrom.protocol import error_body
from fault_injection.sim import Message, Process, World
from kernel.interfaces.store import (
    Compare,
    InvalidRequestError,
    PutOp,
    RangeOp,
    RangeResult,
    Store,
    StoreError,
    StoreUnavailableError,
)
from kernel.maelstrom_codes import (
    CRASH,
    KEY_DOES_NOT_EXIST,
    MALFORMED_REQUEST,
    NOT_SUPPORTED,
    PRECONDITION_FAILED,
    TEMPORARILY_UNAVAILABLE,
)


def _key(body: dict[str, Any]) -> bytes:
    return str(body["key"]).encode()


def _value(value: Any) -> bytes:
    return json.dumps(value).encode()


async def serve(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """Execute one request body on `store`; return the reply body (without `in_reply_to`)."""
    kind = body.get("type")
    try:
        if kind == "read":
            res = await store.range(_key(body))
            if not res.kvs:
                return error_body(KEY_DOES_NOT_EXIST, "no such key", None)
            return {"type": "read_ok", "value": json.loads(res.kvs[0].value)}
        if kind == "write":
            await store.put(_key(body), _value(body["value"]))
            return {"type": "write_ok"}
        if kind == "delete":
            await store.delete_range(_key(body))
            return {"type": "delete_ok"}
        if kind == "cas":
            key = _key(body)
            res = await store.txn(
                [Compare(key, "value", "=", _value(body["from"]))],
                [PutOp(key, _value(body["to"]))],
                [RangeOp(key)],
            )
            if res.succeeded:
                return {"type": "cas_ok"}
            missing = isinstance(res.responses[0], RangeResult) and not res.responses[0].kvs
            if missing:
                return error_body(KEY_DOES_NOT_EXIST, "no such key", None)
            return error_body(PRECONDITION_FAILED, "value differs from 'from'", None)
    except StoreUnavailableError as exc:
        code = TEMPORARILY_UNAVAILABLE if exc.definite else CRASH
        return error_body(code, str(exc), None)
    except InvalidRequestError as exc:
        return error_body(MALFORMED_REQUEST, str(exc), None)
    except StoreError as exc:
        return error_body(CRASH, f"{type(exc).__name__}: {exc}", None)
    return error_body(NOT_SUPPORTED, f"unsupported request type {kind!r}", None)


class StoreSystem:
    """A Store opened with ``async with factory()`` served by node 1, fronted by gateways."""

    def __init__(
        self, factory: Callable[[], AbstractAsyncContextManager[Store]], label: str
    ) -> None:
        self.factory = factory
        self.label = label
        self._replies: dict[tuple[str, int], dict[str, Any] | None] = {}

    @contextlib.asynccontextmanager
    async def open(self, world: World, nodes: list[str]) -> AsyncIterator[None]:
        self._replies = {}  # one run's duplicate-reply table; a reused system starts clean
        async with self.factory() as store:
            server = nodes[0]
            world.add_host(server, self._server(store))
            for node in nodes[1:]:
                world.add_host(node, _gateway(server))
            yield

    def _server(self, store: Store) -> Callable[[Process], Any]:
        replies = self._replies

        async def handle(proc: Process, origin: str, via: str, body: dict[str, Any]) -> None:
            reply = {**await serve(store, body), "in_reply_to": body.get("msg_id")}
            replies[(origin, body.get("msg_id", -1))] = reply
            await proc.wait_running()
            _answer(proc, origin, via, reply)

        def boot(proc: Process) -> None:
            def on_message(msg: Message) -> None:
                body = msg.payload
                origin, via = msg.src, msg.src
                if body.get("type") == "forward":
                    origin, body = body["client"], body["body"]
                seen = (origin, body.get("msg_id", -1))
                if seen in replies:  # a duplicate: answer again, never apply twice
                    done = replies[seen]
                    if done is not None:
                        _answer(proc, origin, via, done)
                    return
                replies[seen] = None
                proc.spawn(handle, proc, origin, via, body)

            proc.on_message(on_message)

        return boot


def _answer(proc: Process, origin: str, via: str, reply: dict[str, Any]) -> None:
    if via == origin:
        proc.send(origin, reply)
    else:
        proc.send(via, {"type": "forwarded", "client": origin, "body": reply})


def _gateway(server: str) -> Callable[[Process], None]:
    """A node that relays client requests to `server` and the replies back."""

    def boot(proc: Process) -> None:
        def on_message(msg: Message) -> None:
            body = msg.payload
            if msg.src == server and body.get("type") == "forwarded":
                proc.send(body["client"], body["body"])
            elif msg.src != server:
                proc.send(server, {"type": "forward", "client": msg.src, "body": body})

        proc.on_message(on_message)

    return boot
