"""Seeded chaos: randomized runs of a Raft cluster over a hostile in-memory network.

One seed fixes everything (cluster size, faults, proposals), so a failure prints a seed
that replays it: ``python -m components.store.raft.harness.chaos SEED [MUTANT]``.
``Profile`` and the keyword arguments of ``run_seed`` let a lab switch features off
(reads, transfers, compaction) and drive a student's node through ``node_factory``.
"""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Callable

import attrs

from components.store.raft.core import NONE, Mutant, ProposalDropped, Ready
from components.store.raft.harness.cluster import Cluster, SafetyViolation
from components.store.raft.harness.contract import NodeFactory


@attrs.frozen
class RunResult:
    """What one seeded run did, and the first failure it found (None: none)."""

    seed: int
    commits: int
    elections: int
    reads: int
    error: str | None


def run_seed(  # noqa: PLR0917 - every knob of one run, all defaulted
    seed: int,
    steps: int = 1500,
    mutants: frozenset[Mutant] = frozenset(),
    listener: Callable[[int, Ready], None] | None = None,
    check_log_matching: bool = False,
    node_factory: NodeFactory | None = None,
    features: Features | None = None,
) -> RunResult:
    """One randomized run; ``error`` holds the first safety violation (or crash), if any."""
    rng = random.Random(seed)
    feats = features or Features()
    size = rng.choice((3, 3, 4, 5))
    pre_vote = rng.random() < 0.7
    check_quorum = rng.random() < 0.7
    cluster = Cluster(
        range(1, size + 1),
        seed=seed,
        election_tick=rng.choice((5, 10)),
        pre_vote=pre_vote and feats.pre_vote,
        check_quorum=check_quorum and feats.check_quorum,
        max_size_per_msg=rng.choice((1, 100, 1 << 20)),
        max_inflight_msgs=rng.choice((1, 4, 256)),
        mutants=mutants,
        **({} if node_factory is None else {"node_factory": node_factory}),
    )
    if listener is not None:
        cluster.listeners.append(listener)
    profile = Profile(
        loss=rng.choice((0.0, 0.05, 0.2)),
        dup=rng.choice((0.0, 0.05, 0.2)),
        compact=rng.choice((0.02, 0.02, 0.1)) if feats.compact else 0.0,
        fault=rng.choice((0.015, 0.015, 0.05)),
        reads=feats.reads,
        transfers=feats.transfers,
        crashes=feats.crashes,
    )
    reads = 0
    try:
        for step in range(steps):
            reads += _random_step(cluster, rng, step, profile)
        _quiesce(cluster)
        if check_log_matching:
            check_logs_match(cluster)
        check_stable_leader(cluster)
        check_reelection(cluster)
    except AssertionError as exc:
        return RunResult(seed, cluster.max_applied, len(cluster.leaders), reads, str(exc))
    except Exception as exc:  # a crash of the core under test is a finding too
        return RunResult(
            seed, cluster.max_applied, len(cluster.leaders), reads, f"{type(exc).__name__}: {exc}"
        )
    return RunResult(seed, cluster.max_applied, len(cluster.leaders), reads, None)


@attrs.frozen
class Features:
    """Which parts of the core a run exercises (a lab turns off what it has not taught)."""

    pre_vote: bool = True
    check_quorum: bool = True
    reads: bool = True
    transfers: bool = True
    compact: bool = True
    crashes: bool = True


@attrs.frozen
class Profile:
    """How hostile one run is; drawn from the seed so runs differ in kind, not only order."""

    loss: float
    """Probability that a delivered message is dropped instead."""
    dup: float
    """Probability that a delivered message stays in flight to be delivered again."""
    compact: float
    """Probability per step that a node snapshots and compacts its log."""
    fault: float
    """Probability per step of a crash, restart, partition or heal."""
    reads: bool = True
    """Whether read-index requests are issued."""
    transfers: bool = True
    """Whether leadership transfers are asked for."""
    crashes: bool = True
    """Whether faults include crashes (else partitions and heals only)."""


def _random_step(c: Cluster, rng: random.Random, step: int, p: Profile) -> int:
    ids = list(c.peers)
    up = c.up_ids()
    roll = rng.random()
    if roll < 0.30 and up:
        c.tick(rng.choice(up))
    elif roll < 0.62 and c.in_flight:
        # deliver a random in-flight message: reordering comes for free
        m = c.in_flight.pop(rng.randrange(len(c.in_flight)))
        if rng.random() >= p.loss:
            c.deliver(m)
            if rng.random() < p.dup:
                c.in_flight.append(m)
    elif roll < 0.75 and up:
        with contextlib.suppress(ProposalDropped):
            c.node(rng.choice(up)).propose(b"v%d" % step)
    elif roll < 0.79 and up and p.reads:
        node = rng.choice(up)
        try:
            c.read_index(node, b"r%d" % step)
            return 1
        except ProposalDropped:
            pass
    elif roll < 0.80 and up and p.transfers:
        c.node(rng.choice(up)).transfer_leadership(rng.choice(ids))  # type: ignore[attr-defined]
    elif roll < 0.80 + p.compact and up:
        c.snapshot_and_compact(rng.choice(up))
    elif roll < 0.80 + p.compact + p.fault:
        _fault(c, rng, ids, p.crashes)
    for i in up:
        c.process_ready(i)
    return 0


def _fault(c: Cluster, rng: random.Random, ids: list[int], crashes: bool = True) -> None:
    # Faults hit the leader half of the time: that is where the subtle bugs hide.
    leader = c.leader()
    target = leader if leader and rng.random() < 0.5 else rng.choice(ids)
    kind = rng.randrange(5)
    if kind in (0, 3) and not crashes:
        kind = 4
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
    """Heal everything and run on: a leader must emerge and every node must catch up.

    A proposal may legitimately be lost when leadership changes before it commits, so
    the final entry is proposed again whenever the current leader's log lacks it.
    """
    c.heal()
    for i in c.peers:
        if not c.peers[i].up:
            c.restart(i)
    final_index = 0
    for _ in range(100 * c.election_tick):
        for i in c.up_ids():
            c.tick(i)
        c.stabilize()
        leader = c.leader()
        if leader and not final_index:
            final = [e.index for e in c.stored_log(leader) if e.data == b"final"]
            if final and final[-1] <= c.commit_index(leader):
                final_index = final[-1]
            elif not final:
                with contextlib.suppress(ProposalDropped):
                    c.node(leader).propose(b"final")
        c.stabilize()
        if final_index and _caught_up(c, final_index):
            return
    raise AssertionError("liveness: the healed cluster did not commit a final entry everywhere")


def _lockstep(c: Cluster, ticks: int, until: Callable[[], bool] | None = None) -> bool:
    """Tick every live node together, delivering everything after each tick."""
    for _ in range(ticks):
        for i in c.up_ids():
            c.tick(i)
        c.stabilize()
        if until is not None and until():
            return True
    return False


def check_stable_leader(c: Cluster, timeouts: int = 10) -> None:
    """Liveness: on a healthy network a leader keeps its term (followers hear it in time)."""
    leader = c.leader()
    term = c.term(leader)
    _lockstep(c, timeouts * c.election_tick)
    now = c.leader()
    if now != leader or c.term(now) != term:
        raise AssertionError(
            f"liveness: leader {leader} of term {term} was deposed on a healthy network "
            f"(now {now or 'nobody'} in term {max(c.term(i) for i in c.up_ids())})"
        )


def check_reelection(c: Cluster, timeouts: int = 20) -> None:
    """Liveness: after the leader crashes, the others elect a new one.

    No endless split votes: the followers' timers start in step, only randomization breaks
    the tie.
    """
    old = c.leader()
    timeout = c.election_tick
    c.crash(old)
    if _lockstep(c, timeouts * timeout, lambda: c.leader() not in (NONE, old)):
        return
    raise AssertionError(
        f"liveness: no leader within {timeouts} election timeouts after leader {old} crashed"
    )


def _caught_up(c: Cluster, index: int) -> bool:
    """Whether every node applied ``index`` and everything its leader has committed."""
    leader = c.leader()
    if not leader:
        return False
    target = max(index, c.commit_index(leader))
    return all(p.applied_index >= target for p in c.peers.values())


def check_logs_match(c: Cluster) -> None:
    """Log matching (5.3): same index and term at two nodes implies identical prefixes."""
    logs = {}
    for i in c.peers:
        logs[i] = {e.index: e for e in c.stored_log(i)}
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


def first_failing_seed(
    mutants: frozenset[Mutant],
    bound: int,
    node_factory: NodeFactory | None = None,
    features: Features | None = None,
) -> tuple[int, str] | None:
    """The first seed in ``range(bound)`` whose run fails, with its error, or None."""
    for seed in range(bound):
        result = run_seed(
            seed,
            mutants=mutants,
            check_log_matching=True,
            node_factory=node_factory,
            features=features,
        )
        if result.error is not None:
            return seed, result.error
    return None


def sweep_mutants(bound: int) -> int:
    """Print how many seeds each mutant needed to be caught; non-zero if one survived."""
    survived = 0
    for m in Mutant:
        found = first_failing_seed(frozenset({m}), bound)
        if found is None:
            survived += 1
            print(f"{m.name:32} NOT CAUGHT in {bound} seeds", flush=True)
        else:
            print(f"{m.name:32} caught by seed {found[0]:5}: {found[1][:90]}", flush=True)
    return 1 if survived else 0


def main(argv: list[str]) -> int:
    """``fuzz SEED [MUTANT...]`` replays one run; ``fuzz --sweep-mutants N`` sweeps."""
    if len(argv) == 3 and argv[1] == "--sweep-mutants":
        return sweep_mutants(int(argv[2]))
    seed = int(argv[1])
    mutants = frozenset(Mutant[name] for name in argv[2:])
    result = run_seed(seed, mutants=mutants, check_log_matching=True)
    print(result)
    return 1 if result.error else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
