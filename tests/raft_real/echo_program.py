"""A tiny node program for testing the real host without the Raft member.

Clients send ``{"op": ...}``:
* ``echo``: the payload comes back as ``{"echo": body}``;
* ``incr``: appends one byte to ``counter`` on disk, fsyncs, replies ``{"count": n}`` (what a
  SIGKILL must not lose once acknowledged);
* ``relay``: asks peer ``to`` for a pong, and replies ``{"pong_from": peer}`` once it comes;
* ``peers``: replies with the host's name, peers and the first draw of its rng.
"""

from __future__ import annotations

from typing import Any

COUNTER = "counter"


async def main(host: Any) -> None:
    disk = host.disk
    count = len(disk.read(COUNTER)) if disk.exists(COUNTER) else 0
    first_draw = host.rng.random()
    waiting: dict[int, str] = {}
    next_id = 0
    while True:
        env = await host.recv()
        body = env.payload
        if env.src in host.peers:
            if body.get("type") == "ping":
                host.send(env.src, {"type": "pong", "id": body["id"]})
            elif body.get("type") == "pong":
                client = waiting.pop(body["id"], None)
                if client is not None:
                    host.send(client, {"pong_from": env.src})
            continue
        op = body.get("op")
        if op == "echo":
            host.send(env.src, {"echo": body})
        elif op == "incr":
            disk.append(COUNTER, b"x")
            disk.fsync(COUNTER)
            count += 1
            host.send(env.src, {"count": count, "tag": body.get("tag")})
        elif op == "relay":
            next_id += 1
            waiting[next_id] = env.src
            host.send(body["to"], {"type": "ping", "id": next_id})
        elif op == "peers":
            host.send(env.src, {"name": host.name, "peers": host.peers, "draw": first_draw})
