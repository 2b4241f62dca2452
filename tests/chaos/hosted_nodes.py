"""Node programs written against `kernel.hosting` only, for the hosted-system tests."""

from __future__ import annotations

import json

from kernel.hosting import NodeHost


async def durable_leader(host: NodeHost) -> None:
    """The first node keeps the map on disk (fsync before replying); others forward to it."""
    nodes = sorted([host.name, *host.peers])
    leader = nodes[0]
    data = json.loads(host.disk.read("data")) if host.disk.exists("data") else {}
    pending: dict[int, tuple[str, int]] = {}
    next_id = 0
    while True:
        msg = await host.recv()
        body = msg.payload
        if "in_reply_to" in body and msg.src in nodes:
            if body["in_reply_to"] in pending:
                client, client_id = pending.pop(body["in_reply_to"])
                host.send(client, {**body, "in_reply_to": client_id})
            continue
        if host.name != leader:
            next_id += 1
            pending[next_id] = (msg.src, body["msg_id"])
            host.send(leader, {**body, "msg_id": next_id})
            continue
        key = str(body["key"])
        reply: dict[str, object]
        if body["type"] == "read":
            reply = (
                {"type": "read_ok", "value": data[key]}
                if key in data
                else {"type": "error", "code": 20}
            )
        elif body["type"] == "write":
            data[key] = body["value"]
            reply = {"type": "write_ok"}
        elif key not in data:
            reply = {"type": "error", "code": 20}
        elif data[key] != body["from"]:
            reply = {"type": "error", "code": 22}
        else:
            data[key] = body["to"]
            reply = {"type": "cas_ok"}
        if body["type"] != "read":
            host.disk.write("data", json.dumps(data).encode())
            host.disk.fsync("data")
        host.send(msg.src, {**reply, "in_reply_to": body["msg_id"]})


async def forgetful_leader(host: NodeHost) -> None:
    """Like `durable_leader` but never syncs: a kill loses acknowledged writes."""
    await durable_leader(_NoSync(host))


class _NoSync:
    """A host whose disk writes never become durable."""

    def __init__(self, host: NodeHost) -> None:
        self._host = host

    def __getattr__(self, name: str) -> object:
        if name == "disk":
            return _DiskNoSync(self._host.disk)
        return getattr(self._host, name)


class _DiskNoSync:
    def __init__(self, disk: object) -> None:
        self._disk = disk

    def fsync(self, name: str | None = None) -> None:
        pass

    def __getattr__(self, name: str) -> object:
        return getattr(self._disk, name)


async def hash_ordered_leader(host: NodeHost) -> None:
    """`durable_leader` after a start-up delay taken from `hash(name)`: string hashes depend
    on PYTHONHASHSEED, so the run does not replay across interpreters (the bug to catch)."""
    await host.sleep((hash(host.name) % 1000) / 1e5)
    await durable_leader(host)
