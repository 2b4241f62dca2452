"""Randomized runs of a Raft cluster over a hostile in-memory network, checking safety.

One seed fixes everything (cluster size, faults, proposals), so a failure prints a seed
that replays it: ``python -m tests.raft.fuzz SEED [MUTANT]``.
"""

from __future__ import annotations

import random
import sys

from collections.abc import Callable

import attrs

from components.store.raft.core import Mutant, ProposalDropped, Ready
from tests.raft.cluster import Cluster, SafetyViolation


@attrs.frozen
class RunResult:
    seed: int
    commits: int
    elections: int
    reads: int
    error: str | None


def run_seed(
    seed: int,
    steps: int = 1500,
    mutants: frozenset[Mutant] = frozenset(),
    listener: Callable[[int, Ready], None] | None = None,
    check_log_matching: bool = False,
) -> RunResult:
    """One randomized run; ``error`` holds the first safety violation (or crash), if any."""
    rng = random.Random(seed)
    size = rng.choice((3, 3, 4, 5))
    cluster = Cluster(
        range(1, size + 1),
        seed=seed,
        election_tick=rng.choice((5, 10)),
        pre_vote=rng.random() < 0.7,
        check_quorum=rng.random() < 0.7,
        max_size_per_msg=rng.choice((1, 100, 1 << 20)),
        max_inflight_msgs=rng.choice((1, 4, 256)),
        mutants=mutants,
    )
    if listener is not None:
        cluster.listeners.append(listener)
    loss = rng.choice((0.0, 0.05, 0.2))
    dup = rng.choice((0.0, 0.05))
    reads = 0
    try:
        for step in range(steps):
            reads += _random_step(cluster, rng, step, loss, dup)
        _quiesce(cluster)
        if check_log_matching:
            check_logs_match(cluster)
    except AssertionError as exc:
        return RunResult(seed, cluster.max_applied, len(cluster.leaders), reads, str(exc))
    except Exception as exc:  # a crash of the core under test is a finding too
        return RunResult(
            seed, cluster.max_applied, len(cluster.leaders), reads, f"{type(exc).__name__}: {exc}"
        )
    return RunResult(seed, cluster.max_applied, len(cluster.leaders), reads, None)


def _random_step(c: Cluster, rng: random.Random, step: int, loss: float, dup: float) -> int:
    ids = list(c.peers)
    up = c.up_ids()
    roll = rng.random()
    if roll < 0.30 and up:
        c.tick(rng.choice(up))
    elif roll < 0.62 and c.in_flight:
        # deliver a random in-flight message: reordering comes for free
        m = c.in_flight.pop(rng.randrange(len(c.in_flight)))
        if rng.random() >= loss:
            c.deliver(m)
            if rng.random() < dup:
                c.in_flight.append(m)
    elif roll < 0.75 and up:
        try:
            c.node(rng.choice(up)).propose(b"v%d" % step)
        except ProposalDropped:
            pass
    elif roll < 0.79 and up:
        node = rng.choice(up)
        try:
            c.read_index(node, b"r%d" % step)
            return 1
        except ProposalDropped:
            pass
    elif roll < 0.81 and up:
        c.snapshot_and_compact(rng.choice(up))
    elif roll < 0.825:
        _fault(c, rng, ids)
    elif roll < 0.83 and up:
        c.node(rng.choice(up)).transfer_leadership(rng.choice(ids))
    for i in up:
        c.process_ready(i)
    return 0


def _fault(c: Cluster, rng: random.Random, ids: list[int]) -> None:
    # Faults hit the leader half of the time: that is where the subtle bugs hide.
    leader = c.leader()
    target = leader if leader and rng.random() < 0.5 else rng.choice(ids)
    kind = rng.randrange(5)
    if kind == 0:
        if c.peers[target].up and len(c.up_ids()) > 1:
            c.crash(target)
        else:
            c.restart(rng.choice(ids))
    elif kind == 1:
        c.isolate(target)
    elif kind == 2:
        a, b = rng.sample(ids, 2)
        c.cut.add((a, b))
    elif kind == 3:
        for i in ids:
            if not c.peers[i].up:
                c.restart(i)
    else:
        c.heal()


def _quiesce(c: Cluster) -> None:
    """Heal everything and run on: a leader must emerge and every node must catch up."""
    c.heal()
    for i in c.peers:
        if not c.peers[i].up:
            c.restart(i)
    proposed = False
    for _ in range(100 * c.node(1).raft.election_timeout):
        for i in c.up_ids():
            c.tick(i)
        c.stabilize()
        leader = c.leader()
        if leader and not proposed:
            try:
                c.node(leader).propose(b"final")
                proposed = True
            except ProposalDropped:
                pass
        c.stabilize()
        if proposed and _final_everywhere(c):
            return
    raise AssertionError("liveness: the healed cluster did not commit a final entry everywhere")


def _final_everywhere(c: Cluster) -> bool:
    leader = c.leader()
    if not leader:
        return False
    log = c.node(leader).raft.log
    target = log.committed
    if b"final" not in [e.data for e in log.slice(max(log.first_index(), target - 5), target + 1)]:
        return False
    return all(p.applied_index >= target for p in c.peers.values())


def check_logs_match(c: Cluster) -> None:
    """Log matching (5.3): same index and term at two nodes implies identical prefixes."""
    logs = {}
    for i in c.peers:
        log = c.node(i).raft.log
        logs[i] = {e.index: e for e in log.slice(log.first_index(), log.last_index() + 1)}
    ids = sorted(logs)
    for a in ids:
        for b in ids:
            if a >= b:
                continue
            common = sorted(set(logs[a]) & set(logs[b]), reverse=True)
            matched = False
            for index in common:
                ea, eb = logs[a][index], logs[b][index]
                if matched and ea != eb:
                    raise SafetyViolation(f"log matching: nodes {a}, {b} differ at {index}")
                matched = matched or ea.term == eb.term
                if ea.term == eb.term and ea != eb:
                    raise SafetyViolation(f"log matching: same term, other data at {index}")


def main(argv: list[str]) -> int:
    seed = int(argv[1])
    mutants = frozenset(Mutant[name] for name in argv[2:])
    result = run_seed(seed, mutants=mutants)
    print(result)
    return 1 if result.error else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
