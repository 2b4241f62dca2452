"""A small Raft cluster as a system to search: its choices, one step, its invariants.

The state is a :class:`Cluster` (nodes, persisted storage, in-flight messages and the
history its safety checks keep) plus what is left of each fault budget. In every state the
choices are: deliver the oldest message of a link (or, with a reorder budget, the next
one), drop it, duplicate it, fire a node's election timeout, tick a leader (heartbeats),
propose at a leader, crash a node, restart a crashed one, compact a node's log. Each choice
is followed by every live node's Ready handling, so messages leave only after persisting.
Invariants: the cluster's checks at every Ready (election safety, durable votes, terms never
go back, leader completeness, state machine safety) and log matching after every step.

Pure Python over the pure core, no trio; the search engine lives in
``fault_injection.search`` and only needs the methods here (it is not imported).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import attrs

from components.store.raft.core import (
    Message,
    Mutant,
    ProposalDropped,
    RawNode,
    StateRole,
    describe_message,
)
from components.store.raft.harness.chaos import check_logs_match
from components.store.raft.harness.cluster import Cluster
from components.store.raft.harness.contract import NodeFactory

Action = tuple[Any, ...]


@attrs.frozen
class Bounds:
    """How much of each choice a search may spend (per path, not in total)."""

    nodes: int = 3
    proposals: int = 1
    elections: int = 3
    """Election timeouts that may fire (each one a new term at most)."""
    heartbeats: int = 1
    """Leader ticks (each sends heartbeats carrying the commit index)."""
    drops: int = 1
    dups: int = 0
    reorders: int = 0
    """Deliveries of a link's second message before its first."""
    crashes: int = 0
    compactions: int = 0
    pre_vote: bool = False
    check_quorum: bool = False

    def describe(self) -> str:
        """The bounds as CLI options read."""
        return (
            f"--nodes {self.nodes} --proposals {self.proposals} --elections {self.elections}"
            f" --heartbeats {self.heartbeats} --drops {self.drops} --dups {self.dups}"
            f" --reorders {self.reorders} --crashes {self.crashes}"
            f" --compactions {self.compactions}"
        )


@attrs.define
class World:
    """One search state: the cluster and the budgets left on this path."""

    cluster: Cluster
    left: dict[str, int]


_BUDGETS = ("proposals", "elections", "heartbeats", "drops", "dups", "reorders", "crashes")


class RaftSearch:
    """The `fault_injection.search.System` of a small Raft cluster."""

    def __init__(
        self,
        bounds: Bounds | None = None,
        mutants: frozenset[Mutant] = frozenset(),
        node_factory: NodeFactory = RawNode,
    ) -> None:
        self.bounds = bounds or Bounds()
        self.mutants = mutants
        self.node_factory = node_factory

    def initial(self) -> World:
        """A fresh cluster with every node a follower in term 1, nothing in flight."""
        b = self.bounds
        cluster = Cluster(
            range(1, b.nodes + 1),
            pre_vote=b.pre_vote,
            check_quorum=b.check_quorum,
            mutants=self.mutants,
            node_factory=self.node_factory,
        )
        left = {name: getattr(b, name) for name in (*_BUDGETS, "compactions")}
        return World(cluster, left)

    # -- choices --------------------------------------------------------------------------

    def actions(self, w: World) -> Sequence[Action]:
        """Every choice in ``w``, in a fixed order."""
        c, left = w.cluster, w.left
        out: list[Action] = []
        firsts: dict[tuple[int, int], int] = {}
        seconds: dict[tuple[int, int], int] = {}
        for i, m in enumerate(c.in_flight):
            link = (m.from_, m.to)
            if link not in firsts:
                firsts[link] = i
            elif link not in seconds:
                seconds[link] = i
        for i in firsts.values():
            out.append(("deliver", i))
            if left["drops"]:
                out.append(("drop", i))
            if left["dups"]:
                out.append(("dup", i))
        if left["reorders"]:
            out.extend(("reorder", i) for i in seconds.values())
        for n in sorted(c.peers):
            if not c.peers[n].up:
                out.append(("restart", n))
                continue
            leads = c.role(n) == StateRole.Leader
            if not leads and left["elections"]:
                out.append(("timeout", n))
            if leads and left["heartbeats"]:
                out.append(("heartbeat", n))
            if leads and left["proposals"]:
                out.append(("propose", n))
            if left["crashes"] and len(c.up_ids()) > 1:
                out.append(("crash", n))
            if left["compactions"] and c.peers[n].applied_index >= c.peers[n].storage.first_index():
                out.append(("compact", n))
        return out

    def describe(self, w: World, action: Action) -> str:
        """One line for ``action`` in ``w``."""
        kind, arg = action
        if kind in ("deliver", "drop", "dup", "reorder"):
            return f"{kind} {describe_message(w.cluster.in_flight[arg])}"
        if kind == "propose":
            return f"propose at {arg}: v{self.bounds.proposals - w.left['proposals'] + 1}"
        return f"{kind} {arg}"

    # -- one step -------------------------------------------------------------------------

    def apply(self, w: World, action: Action) -> str | None:
        """Take ``action``, let every live node handle its Readys, check the invariants.

        A safety violation raises from the cluster's checks (the engine reports it).
        """
        c, left = w.cluster, w.left
        kind, arg = action
        if kind in ("deliver", "dup", "reorder", "drop"):
            m: Message = c.in_flight[arg]
            if kind != "dup":
                del c.in_flight[arg]
            else:
                left["dups"] -= 1
            if kind == "drop":
                left["drops"] -= 1
            else:
                if kind == "reorder":
                    left["reorders"] -= 1
                c.deliver(m)
        elif kind == "timeout":
            left["elections"] -= 1
            c.node(arg).campaign()
        elif kind == "heartbeat":
            left["heartbeats"] -= 1
            c.tick(arg, c.heartbeat_tick)
        elif kind == "propose":
            v = self.bounds.proposals - left["proposals"] + 1
            left["proposals"] -= 1
            with contextlib.suppress(ProposalDropped):
                c.node(arg).propose(b"v%d" % v)
        elif kind == "crash":
            left["crashes"] -= 1
            c.crash(arg)
        elif kind == "restart":
            c.restart(arg)
        elif kind == "compact":
            left["compactions"] -= 1
            c.snapshot_and_compact(arg)
        else:
            raise ValueError(f"unknown action {action!r}")
        for n in c.up_ids():
            c.process_ready(n)
        # links keep their order; across links the order means nothing, so make it canonical
        c.in_flight.sort(key=lambda msg: (msg.from_, msg.to))
        check_logs_match(c)
        return None


def debug_data(search: RaftSearch, steps: Sequence[Any], violation: str | None) -> dict[str, Any]:
    """The debugger page's data for a search trace: a lane per node, one arrow a message."""
    w = search.initial()
    c = w.cluster
    nodes = [str(n) for n in sorted(c.peers)]
    events: list[dict[str, Any]] = []
    ids: dict[int, int] = {}
    sent = {"n": 0}

    def on_ready(node: int, rd: Any) -> None:
        for m in rd.messages:
            sent["n"] += 1
            ids[id(m)] = sent["n"]
            events.append(
                {
                    "t": t["now"],
                    "kind": "send",
                    "node": str(node),
                    "dst": str(m.to),
                    "id": sent["n"],
                    "type": m.type.name,
                    "label": describe_message(m),
                }
            )

    t = {"now": 0.0}
    c.listeners.append(on_ready)
    for c_node in c.up_ids():
        c.process_ready(c_node)
    for i, step in enumerate(steps):
        t["now"] = float(i + 1)
        kind, arg = step.action
        if kind in ("deliver", "drop", "dup", "reorder"):
            m = c.in_flight[arg]
            events.append(
                {
                    "t": t["now"],
                    "kind": "drop" if kind == "drop" else "deliver",
                    "node": str(m.to),
                    "src": str(m.from_),
                    "id": ids.get(id(m), 0),
                    "type": m.type.name,
                    "label": step.text,
                }
            )
        else:
            node = str(arg)
            events.append(
                {"t": t["now"], "kind": kind, "node": node, "type": kind, "label": step.text}
            )
        try:
            search.apply(w, step.action)
        except AssertionError:
            break
    return {
        "title": f"raft search: {'violation' if violation else 'no violation'}",
        "verdict": "violation" if violation else "ok",
        "reason": violation or "",
        "replay": "",
        "nodes": nodes,
        "events": events,
        "faults": [],
        "ops": [],
    }


__all__ = ["Bounds", "RaftSearch", "World", "debug_data"]
