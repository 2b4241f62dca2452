"""Seeded history generators: linearizable by construction, mutated, and adversarial.

A simulated client issues operations one after another; each takes effect at a *point*
chosen inside its call/return interval, and outputs come from applying the operations to
the model in point order. Such a history is linearizable by construction. Used by the tests
and by `kubelab bench checker`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from fault_injection.checker._history import UNKNOWN, History, Operation, Outcome

Chooser = Callable[[random.Random, int], tuple[str, Any]]


def _timeline(
    rng: random.Random, n_ops: int, n_clients: int, overlap: float
) -> list[tuple[int, float, float, float]]:
    """(client, call, point, ret) for `n_ops` operations spread over the clients."""
    clocks = [rng.random() for _ in range(n_clients)]
    out = []
    for _ in range(n_ops):
        c = rng.randrange(n_clients)
        call = clocks[c] + rng.random() * 0.2
        lat1 = rng.random() * overlap
        lat2 = rng.random() * overlap
        out.append((c, call, call + lat1, call + lat1 + lat2))
        clocks[c] = call + lat1 + lat2
    return out


def _simulate(  # noqa: PLR0917 - private, one caller per generator
    rng: random.Random,
    n_ops: int,
    n_clients: int,
    choose: Chooser,
    apply: Callable[[Any, str, Any], tuple[Any, Any]],
    init: Any,
    p_info: float,
    overlap: float,
) -> History:
    times = _timeline(rng, n_ops, n_clients, overlap)
    ops_spec = [choose(rng, i) for i in range(n_ops)]
    outputs: list[Any] = [None] * n_ops
    info = [rng.random() < p_info for _ in range(n_ops)]
    state = init
    for i in sorted(range(n_ops), key=lambda k: times[k][2]):
        f, inp = ops_spec[i]
        if info[i] and rng.random() < 0.5:
            continue  # indeterminate and never took effect
        state, outputs[i] = apply(state, f, inp)
    order = sorted(range(n_ops), key=lambda k: times[k][1])
    ops = []
    for idx, i in enumerate(order):
        c, call, _point, ret = times[i]
        f, inp = ops_spec[i]
        if info[i]:
            ops.append(Operation(idx, c, f, inp, UNKNOWN, call, ret, Outcome.INFO))
        else:
            ops.append(Operation(idx, c, f, inp, outputs[i], call, ret, Outcome.OK))
    return History(tuple(ops))


def register_history(
    seed: int,
    n_ops: int,
    n_clients: int,
    *,
    cas: bool = False,
    values: int = 5,
    p_info: float = 0.0,
    overlap: float = 1.0,
) -> History:
    """A linearizable history of a (CAS) register with values `0..values-1`."""
    rng = random.Random(seed)

    def choose(r: random.Random, _i: int) -> tuple[str, Any]:
        x = r.random()
        if x < 0.5:
            return ("read", None)
        if cas and x < 0.75:
            return ("cas", [r.randrange(values), r.randrange(values)])
        return ("write", r.randrange(values))

    def apply(state: Any, f: str, inp: Any) -> tuple[Any, Any]:
        if f == "read":
            return state, state
        if f == "write":
            return inp, None
        if state == inp[0]:
            return inp[1], True
        return state, False

    return _simulate(rng, n_ops, n_clients, choose, apply, None, p_info, overlap)


def kv_history(
    seed: int,
    n_ops: int,
    n_clients: int,
    *,
    keys: int = 100,
    appends: bool = True,
    p_info: float = 0.0,
    overlap: float = 1.0,
) -> History:
    """A linearizable history of the key-value map (get/put/append) over `keys` keys."""
    rng = random.Random(seed)

    def choose(r: random.Random, i: int) -> tuple[str, Any]:
        key = str(r.randrange(keys))
        x = r.random()
        if x < 0.5:
            return ("get", {"key": key})
        if appends and x < 0.9:
            return ("append", {"key": key, "value": f"x{i} "})
        return ("put", {"key": key, "value": f"p{i} "})

    def apply(state: Any, f: str, inp: Any) -> tuple[Any, Any]:
        key = inp["key"]
        cur = state.get(key, "")
        if f == "get":
            return state, cur
        new = dict(state)
        new[key] = inp["value"] if f == "put" else cur + inp["value"]
        return new, None

    return _simulate(rng, n_ops, n_clients, choose, apply, {}, p_info, overlap)


def adversarial_register_history(seed: int, n_ops: int, n_clients: int) -> History:
    """Many concurrent writes of distinct values then reads that no order explains.

    Every client first writes its own value, all at once; then reads return values such that
    the last read contradicts the others. The plain search must try very many orders of the
    concurrent writes before it can conclude; the stale-read rule sees it instantly.
    """
    rng = random.Random(seed)
    ops: list[Operation] = []
    k = min(n_clients, n_ops // 2)
    for c in range(k):
        ops.append(Operation(len(ops), c, "write", c, None, 0.0, 10.0 + rng.random(), Outcome.OK))
    t = 20.0
    for c in range(n_ops - k - 1):
        client = c % max(k, 1)
        ops.append(Operation(len(ops), client, "read", None, c % k, t, t + 100.0, Outcome.OK))
        t += 0.001
    ops.append(Operation(len(ops), 0, "write", k, None, t, t + 0.001, Outcome.OK))
    ops.append(Operation(len(ops), 1, "read", None, 0, t + 0.01, t + 0.02, Outcome.OK))
    return History(tuple(ops))


def mutate(seed: int, history: History, kind: str) -> History | None:
    """Break a linearizable history in one of three known-illegal ways (None if impossible).

    `never-written`: a completed read returns a value nobody wrote. `stale-read`: a new read
    after the last completed write returns an older value (needs that value written once).
    `lost-append`: a read after the last completed append omits that append.
    """
    rng = random.Random(seed)
    ops = list(history.operations)
    end = max((op.ret or op.call) for op in ops) if ops else 0.0
    if kind == "never-written":
        reads = [i for i, op in enumerate(ops) if op.definite and op.f in ("read", "get")]
        if not reads:
            return None
        i = rng.choice(reads)
        bogus: Any = "never-written" if ops[i].f == "get" else 10**9
        ops[i] = Operation(
            i, ops[i].process, ops[i].f, ops[i].input, bogus, ops[i].call, ops[i].ret, Outcome.OK
        )
        return History(tuple(ops))
    if kind in ("stale-read", "lost-append"):
        return _late_read(ops, end, kind)
    raise ValueError(f"unknown mutation {kind!r}")


def _late_read(ops: list[Operation], end: float, kind: str) -> History | None:
    """Append a read after everything that no linearization allows."""

    def key_of(op: Operation) -> Any:
        return op.input.get("key") if isinstance(op.input, dict) else None

    def written(op: Operation) -> Any:
        return op.input.get("value") if isinstance(op.input, dict) else op.input

    writers = [op for op in ops if op.f in ("write", "put", "append", "cas")]
    definite = [op for op in writers if op.definite and op.f != "cas"]
    if kind == "lost-append":
        definite = [op for op in definite if op.f == "append"]
    if not definite:
        return None
    last = max(definite, key=lambda op: op.deadline)
    key = key_of(last)
    same = [op for op in writers if key_of(op) == key]
    if kind == "lost-append":
        if any(op.f != "append" for op in same):
            return None
        value: Any = ""  # every append lost, including the acknowledged last one
    else:
        if any(op.f not in ("write", "put") for op in same):
            return None
        values = {written(op) for op in same} - {written(last)}
        # a value all of whose writers finished before the last write began is surely stale
        stale = sorted(
            (v for v in values if all(op.deadline < last.call for op in same if written(op) == v)),
            key=repr,
        )
        if not stale:
            return None
        value = stale[0]
    f = "read" if key is None else "get"
    read_input = None if key is None else {"key": key}
    op = Operation(len(ops), "mutant", f, read_input, value, end + 1.0, end + 2.0, Outcome.OK)
    return History((*ops, op))
