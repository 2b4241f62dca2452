#!/usr/bin/env python3
"""A Maelstrom lin-kv node: the first node holds the map, every other node forwards to it.

Speaks Maelstrom's protocol on stdin/stdout (one JSON message per line), so it runs unchanged
under Maelstrom and under kubelab:

    kubelab chaos run --bin "python3 docs/examples/maelstrom_lin_kv.py" --workload lin-kv \
        --nemesis partition --seed 1

Linearizable while the leader lives (a single copy serializes every operation); it keeps its
map in memory only, so a `kill` nemesis makes it lose acknowledged writes, which the checker
reports. Making it survive that is the exercise.
"""

import json
import sys

KEY_DOES_NOT_EXIST = 20
PRECONDITION_FAILED = 22
TEMPORARILY_UNAVAILABLE = 11


class Node:
    def __init__(self):
        self.node_id = None
        self.leader = None
        self.data = {}
        self.next_id = 0
        self.pending = {}  # our msg_id -> (client, client msg_id)

    def send(self, dest, body):
        line = json.dumps({"src": self.node_id, "dest": dest, "body": body})
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def reply(self, request, body):
        body["in_reply_to"] = request["body"]["msg_id"]
        self.send(request["src"], body)

    def apply(self, body):
        """Execute one lin-kv operation on the local map; return the reply body."""
        key = str(body["key"])
        kind = body["type"]
        if kind == "read":
            if key not in self.data:
                return {"type": "error", "code": KEY_DOES_NOT_EXIST, "text": "no such key"}
            return {"type": "read_ok", "value": self.data[key]}
        if kind == "write":
            self.data[key] = body["value"]
            return {"type": "write_ok"}
        if kind == "cas":
            if key not in self.data:
                return {"type": "error", "code": KEY_DOES_NOT_EXIST, "text": "no such key"}
            if self.data[key] != body["from"]:
                return {"type": "error", "code": PRECONDITION_FAILED, "text": "value differs"}
            self.data[key] = body["to"]
            return {"type": "cas_ok"}
        return {"type": "error", "code": 10, "text": f"unsupported {kind}"}

    def handle(self, msg):
        body = msg["body"]
        kind = body["type"]
        if kind == "init":
            self.node_id = body["node_id"]
            self.leader = sorted(body["node_ids"])[0]
            self.reply(msg, {"type": "init_ok"})
        elif kind in ("read", "write", "cas"):
            if self.node_id == self.leader:
                self.reply(msg, self.apply(body))
            else:  # forward under our own msg_id; relay the answer when it comes
                self.next_id += 1
                self.pending[self.next_id] = (msg["src"], body["msg_id"])
                self.send(self.leader, {**body, "msg_id": self.next_id})
        elif "in_reply_to" in body and body["in_reply_to"] in self.pending:
            client, client_msg_id = self.pending.pop(body["in_reply_to"])
            self.send(client, {**body, "in_reply_to": client_msg_id})


def main():
    node = Node()
    for line in sys.stdin:
        if line.strip():
            node.handle(json.loads(line))


if __name__ == "__main__":
    main()
