"""A tiny interpreter for scripted Raft scenarios with golden output (after etcd's testdata).

Handouts and students script scenarios with it: ``Interpreter(node_factory=...)`` runs the
commands against their own node (``raft-log`` then reads the persisted log).

A script is a sequence of blocks::

    # comments are kept
    campaign 1
    ----
    <expected output>

Commands act on an in-memory :class:`Cluster` and print what happened. ``run_file`` checks
the output; with ``KUBELAB_REWRITE=1`` it rewrites the expected output instead.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from pathlib import Path

import attrs

from components.store.raft.core import (
    NONE,
    ConfChange,
    ConfChangeType,
    MemoryStorage,
    ProposalDropped,
    Ready,
    StateRole,
    describe_entry,
    describe_message,
)
from components.store.raft.harness.cluster import Cluster
from components.store.raft.harness.contract import NodeFactory

REWRITE_ENV = "KUBELAB_REWRITE"


@attrs.define
class Block:
    """One command and its expected output, plus the comment lines before it."""

    comments: list[str]
    command: str
    expected: str
    line: int


def parse(text: str) -> list[Block]:
    """Split a script into blocks; ``ValueError`` naming the line when one is malformed."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    comments: list[str] = []
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            if line.startswith("#"):
                comments.append(line)
            i += 1
            continue
        start = i
        command = line
        i += 1
        if i >= len(lines) or lines[i] != "----":
            raise ValueError(f"line {start + 1}: expected '----' after {command!r}")
        i += 1
        out = []
        while i < len(lines) and lines[i] != "":
            out.append(lines[i])
            i += 1
        blocks.append(Block(comments, command, "\n".join(out), start + 1))
        comments = []
    return blocks


def render(blocks: list[Block], outputs: list[str]) -> str:
    """The script text with ``outputs`` as each block's expected output."""
    parts = []
    for block, out in zip(blocks, outputs, strict=True):
        head = "\n".join([*block.comments, block.command])
        parts.append(f"{head}\n----\n{out}\n")
    return "\n".join(parts)


def describe_ready(node_id: int, rd: Ready) -> list[str]:
    """Readable lines for one Ready, stable for golden files."""
    out = [f"> {node_id} handling Ready", f"  Ready MustSync={str(rd.must_sync).lower()}:"]
    if rd.soft_state is not None:
        out.append(f"  Lead:{rd.soft_state.lead} State:{rd.soft_state.role.name}")
    if rd.hard_state is not None:
        hs = rd.hard_state
        out.append(f"  HardState Term:{hs.term} Vote:{hs.vote} Commit:{hs.commit}")
    if rd.snapshot is not None:
        md = rd.snapshot.metadata
        out.append(
            f"  Snapshot Index:{md.index} Term:{md.term} Voters:{list(md.conf_state.voters)}"
        )
    if rd.entries:
        out.append("  Entries:")
        out += [f"  {describe_entry(e)}" for e in rd.entries]
    if rd.committed_entries:
        out.append("  CommittedEntries:")
        out += [f"  {describe_entry(e)}" for e in rd.committed_entries]
    if rd.messages:
        out.append("  Messages:")
        out += [f"  {describe_message(m)}" for m in rd.messages]
    if rd.read_states:
        out.append("  ReadStates:")
        out += [f"  Index:{rs.index} Context:{rs.request_ctx.decode()}" for rs in rd.read_states]
    return out


class Interpreter:
    """Runs commands against a cluster; each handler returns its printed lines."""

    def __init__(self, node_factory: NodeFactory | None = None) -> None:
        self.node_factory = node_factory
        self.cluster: Cluster | None = None
        self.handlers: dict[str, Callable[[list[str]], list[str]]] = {
            "add-nodes": self.add_nodes,
            "add-node": self.add_node,
            "remove-node": self.remove_node,
            "campaign": self.campaign,
            "propose": self.propose,
            "process-ready": self.process_ready,
            "deliver-msgs": self.deliver_msgs,
            "drop-msgs": self.drop_msgs,
            "stabilize": self.stabilize,
            "tick": self.tick,
            "tick-heartbeat": self.tick_heartbeat,
            "tick-election": self.tick_election,
            "partition": self.partition,
            "heal": self.heal,
            "raft-state": self.raft_state,
            "raft-log": self.raft_log,
            "status": self.status,
            "read-index": self.read_index,
            "transfer-leader": self.transfer_leader,
            "compact": self.compact,
            "crash": self.crash,
            "restart": self.restart,
        }

    @property
    def c(self) -> Cluster:
        assert self.cluster is not None, "run add-nodes first"
        return self.cluster

    def run(self, command: str) -> str:
        name, *args = shlex.split(command)
        handler = self.handlers.get(name)
        if handler is None:
            raise ValueError(f"unknown command {name!r}; known: {sorted(self.handlers)}")
        lines = handler(args)
        return "\n".join(lines) if lines else "ok"

    # -- cluster setup ------------------------------------------------------------------------

    def add_nodes(self, args: list[str]) -> list[str]:
        count = int(args[0])
        opts = dict(a.split("=", 1) for a in args[1:])
        self.cluster = Cluster(
            range(1, count + 1),
            election_tick=int(opts.get("election", 10)),
            pre_vote=opts.get("prevote", "true") == "true",
            check_quorum=opts.get("checkquorum", "true") == "true",
            max_size_per_msg=int(opts.get("max-size", 1 << 20)),
            max_inflight_msgs=int(opts.get("max-inflight", 256)),
            **({} if self.node_factory is None else {"node_factory": self.node_factory}),
        )
        return self.raft_state([])

    def add_node(self, args: list[str]) -> list[str]:
        """``add-node NEW VIA``: start NEW with an empty log and propose adding it at VIA."""
        new, via = int(args[0]), int(args[1])
        self.c.add_peer(new, MemoryStorage())
        return self._propose_cc(via, ConfChange(ConfChangeType.AddNode, new))

    def remove_node(self, args: list[str]) -> list[str]:
        """``remove-node OLD VIA``: propose removing OLD at VIA."""
        return self._propose_cc(int(args[1]), ConfChange(ConfChangeType.RemoveNode, int(args[0])))

    def _propose_cc(self, via: int, cc: ConfChange) -> list[str]:
        try:
            self.c.node(via).propose_conf_change(cc)  # type: ignore[attr-defined]
        except ProposalDropped as exc:
            return [f"dropped: {exc}"]
        return []

    # -- inputs -------------------------------------------------------------------------------

    def campaign(self, args: list[str]) -> list[str]:
        self.c.node(int(args[0])).campaign()
        return []

    def propose(self, args: list[str]) -> list[str]:
        try:
            self.c.node(int(args[0])).propose(args[1].encode())
        except ProposalDropped as exc:
            return [f"dropped: {exc}"]
        return []

    def read_index(self, args: list[str]) -> list[str]:
        try:
            self.c.read_index(int(args[0]), args[1].encode())
        except ProposalDropped as exc:
            return [f"dropped: {exc}"]
        return []

    def transfer_leader(self, args: list[str]) -> list[str]:
        self.c.node(int(args[0])).transfer_leadership(int(args[1]))  # type: ignore[attr-defined]
        return []

    def tick(self, args: list[str]) -> list[str]:
        self.c.tick(int(args[0]), int(args[1]) if len(args) > 1 else 1)
        return []

    def tick_heartbeat(self, args: list[str]) -> list[str]:
        self.c.tick(int(args[0]), self.c.heartbeat_tick)
        return []

    def tick_election(self, args: list[str]) -> list[str]:
        """Tick past the largest possible randomized election timeout (2T - 1)."""
        self.c.tick(int(args[0]), 2 * self.c.election_tick - 1)
        return []

    def compact(self, args: list[str]) -> list[str]:
        index = self.c.snapshot_and_compact(int(args[0]))
        return [f"snapshot and compact at {index}"]

    def crash(self, args: list[str]) -> list[str]:
        self.c.crash(int(args[0]))
        return []

    def restart(self, args: list[str]) -> list[str]:
        self.c.restart(int(args[0]))
        return self.raft_state([args[0]])

    # -- network ------------------------------------------------------------------------------

    def partition(self, args: list[str]) -> list[str]:
        """``partition 1`` isolates node 1; ``partition 1 2 / 3 4 5`` cuts between groups."""
        if "/" not in args:
            for a in args:
                self.c.isolate(int(a))
            return []
        cut = args.index("/")
        left, right = [int(a) for a in args[:cut]], [int(a) for a in args[cut + 1 :]]
        for a in left:
            for b in right:
                self.c.cut |= {(a, b), (b, a)}
        return []

    def heal(self, args: list[str]) -> list[str]:  # noqa: ARG002 - handlers share a shape
        self.c.heal()
        return []

    def process_ready(self, args: list[str]) -> list[str]:
        out: list[str] = []
        for a in args:
            for rd in self.c.process_ready(int(a)):
                out += describe_ready(int(a), rd)
        return out

    def deliver_msgs(self, args: list[str]) -> list[str]:
        targets = [int(a) for a in args] if args else sorted(self.c.peers)
        out: list[str] = []
        for t in targets:
            out.extend(describe_message(m) for m in self.c.deliver_all(to=[t]))
        return out

    def drop_msgs(self, args: list[str]) -> list[str]:
        targets = {int(a) for a in args} if args else set(self.c.peers)
        dropped = [m for m in self.c.in_flight if m.to in targets]
        self.c.in_flight = [m for m in self.c.in_flight if m.to not in targets]
        return [f"dropped: {describe_message(m)}" for m in dropped]

    def stabilize(self, args: list[str]) -> list[str]:
        """Alternate Ready handling and delivery, printing both, until nothing changes."""
        ids = [int(a) for a in args] if args else sorted(self.c.peers)
        out: list[str] = []
        for _ in range(1000):
            moved = False
            for i in ids:
                if not self.c.peers[i].up:
                    continue
                for rd in self.c.process_ready(i):
                    out += describe_ready(i, rd)
                    moved = True
            for i in ids:
                msgs = self.c.deliver_all(to=[i])
                if msgs:
                    moved = True
                    out.append(f"> {i} receiving messages")
                    out += [f"  {describe_message(m)}" for m in msgs]
            if not moved:
                return out
        raise AssertionError("stabilize did not converge")

    # -- observation --------------------------------------------------------------------------

    def raft_state(self, args: list[str]) -> list[str]:
        ids = [int(a) for a in args] if args else sorted(self.c.peers)
        out = []
        for i in ids:
            peer = self.c.peers[i]
            if not peer.up:
                out.append(f"{i}: down")
                continue
            st = self.c.node(i).status()
            hs = st.hard_state
            lead = st.soft_state.lead
            out.append(
                f"{i}: {st.soft_state.role.name} Term:{hs.term} Lead:{lead if lead else NONE} "
                f"Commit:{hs.commit} Applied:{st.applied} Last:{st.last_index} "
                f"Voters:{list(st.voters)}"
            )
        return out

    def raft_log(self, args: list[str]) -> list[str]:
        raft = getattr(self.c.node(int(args[0])), "raft", None)
        if raft is None:  # not the reference: show what the driver persisted
            first = self.c.peers[int(args[0])].storage.first_index()
            out = [f"snapshot at {first - 1}"] if first > 1 else []
            return out + [describe_entry(e) for e in self.c.stored_log(int(args[0]))]
        log = raft.log
        first = log.first_index()
        out = [f"snapshot at {first - 1}"] if first > 1 else []
        out += [describe_entry(e) for e in log.slice(first, log.last_index() + 1)]
        return out

    def status(self, args: list[str]) -> list[str]:
        st = self.c.node(int(args[0])).status()
        if st.soft_state.role != StateRole.Leader:
            return [f"{st.id} is not the leader"]
        return [
            f"{node}: {pr.state.name} match={pr.match} next={pr.next}"
            + (" active" if pr.recent_active else "")
            for node, pr in sorted(st.progress.items())
        ]


def run_file(path: Path) -> tuple[str, str]:
    """Run the script at ``path``; returns (expected text, actual text)."""
    text = path.read_text()
    blocks = parse(text)
    interp = Interpreter()
    outputs = []
    for block in blocks:
        try:
            outputs.append(interp.run(block.command))
        except Exception as exc:
            raise AssertionError(f"{path.name}:{block.line}: {block.command}: {exc!r}") from exc
    actual = render(blocks, outputs)
    if os.environ.get(REWRITE_ENV) == "1":
        path.write_text(actual)
        return actual, actual
    return text, actual
