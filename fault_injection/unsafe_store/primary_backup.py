"""Primary-backup with asynchronous replication, reads served from any replica: NOT safe.

Writes and CASes go to the primary (node 1; backups forward them), which applies and
acknowledges at once and only then ships the new value to each backup after a random lag.
Every node answers reads from its own copy, so a client of a backup can read a value older
than one already acknowledged: a stale read, which is not linearizable. State lives only in
memory, so a killed primary also forgets acknowledged writes. This is the test store the
harness must catch (`kubelab chaos run --store unsafe`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from fault_injection.sim import Message, Process, World
from kernel.maelstrom_codes import KEY_DOES_NOT_EXIST, PRECONDITION_FAILED

_MAX_LAG = 0.5
"""Longest replication delay in virtual seconds."""


class PrimaryBackupSystem:
    """The unsafe store as a `System`: node 1 is the primary, the rest are backups."""

    label = "unsafe (primary-backup, async replication, reads from replicas)"

    @contextlib.asynccontextmanager
    async def open(self, world: World, nodes: list[str]) -> AsyncIterator[None]:
        primary = nodes[0]
        for node in nodes:
            world.add_host(node, _node(primary, nodes))
        yield


def _reply(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    return {**reply, "in_reply_to": body.get("msg_id")}


def _node(primary: str, nodes: list[str]) -> Callable[[Process], None]:
    def boot(proc: Process) -> None:
        data: dict[Any, Any] = {}
        versions: dict[Any, int] = {}
        seq = [0]

        def replicate(key: Any) -> None:
            seq[0] += 1
            msg = {"type": "replicate", "key": key, "value": data[key], "seq": seq[0]}
            for backup in nodes:
                if backup != proc.name:
                    proc.call_later(proc.rng.uniform(0.0, _MAX_LAG), proc.send, backup, msg)

        def write(body: dict[str, Any]) -> dict[str, Any]:
            key = body["key"]
            if body["type"] == "write":
                data[key] = body["value"]
                replicate(key)
                return {"type": "write_ok"}
            if key not in data:
                return {"type": "error", "code": KEY_DOES_NOT_EXIST, "text": "no such key"}
            if data[key] != body["from"]:
                return {"type": "error", "code": PRECONDITION_FAILED, "text": "mismatch"}
            data[key] = body["to"]
            replicate(key)
            return {"type": "cas_ok"}

        def on_message(msg: Message) -> None:
            body = msg.payload
            kind = body.get("type")
            if kind == "replicate":
                if body["seq"] > versions.get(body["key"], 0):
                    versions[body["key"]] = body["seq"]
                    data[body["key"]] = body["value"]
            elif kind == "read":
                if body["key"] in data:
                    proc.send(
                        msg.src, _reply(body, {"type": "read_ok", "value": data[body["key"]]})
                    )
                else:
                    proc.send(msg.src, _reply(body, {"type": "error", "code": KEY_DOES_NOT_EXIST}))
            elif kind == "forward":
                proc.send(
                    msg.src,
                    {
                        **body,
                        "type": "forwarded",
                        "body": _reply(body["body"], write(body["body"])),
                    },
                )
            elif kind == "forwarded":
                proc.send(body["client"], body["body"])
            elif kind in ("write", "cas"):
                if proc.name == primary:
                    proc.send(msg.src, _reply(body, write(body)))
                else:
                    proc.send(primary, {"type": "forward", "client": msg.src, "body": body})

        proc.on_message(on_message)

    return boot
