"""`check`: split a history by the model's partition, pre-check, search each part, merge."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from fault_injection.checker._history import History, Operation, Outcome
from fault_injection.checker._model import Model, initial_search_state
from fault_injection.checker._result import CheckResult, PartitionResult, Verdict
from fault_injection.checker._search import search


def check(
    history: History | Sequence[Operation],
    model: Model,
    *,
    timeout: float | None = None,
    prechecks: bool = True,
    counterexample_budget: float = 1.0,
    heuristics: bool = True,
) -> CheckResult:
    """Decide whether `history` is linearizable with respect to `model`.

    Parts from `model.partition` are checked one by one and checking stops at the first
    illegal one. `timeout` (seconds, wall clock, over all parts) turns an unfinished search
    into `Verdict.UNKNOWN`. When a model pre-check proves a part illegal, the search still
    runs for up to `counterexample_budget` seconds to find the longest linearizable prefix
    for the report. `prechecks=False, heuristics=False` is the plain porcupine-style search
    (the benchmark's baseline). Raises `ValueError` naming the operation when one does not
    fit the model.
    """
    start = time.perf_counter()
    deadline = None if timeout is None else start + timeout
    ops = history.operations if isinstance(history, History) else tuple(history)
    live = [op for op in ops if op.outcome is not Outcome.FAIL]
    parts = model.partition(live)
    results: list[PartitionResult] = []
    steps = 0
    verdict = Verdict.OK
    for label, part in parts:
        res = check_partition(
            label,
            part,
            model,
            deadline=deadline,
            prechecks=prechecks,
            counterexample_budget=counterexample_budget,
            heuristics=heuristics,
        )
        results.append(res)
        steps += res.steps
        if res.verdict is Verdict.ILLEGAL:
            verdict = Verdict.ILLEGAL
            break
        if res.verdict is Verdict.UNKNOWN:
            verdict = Verdict.UNKNOWN
    return CheckResult(
        verdict, tuple(results), steps, time.perf_counter() - start, model.name, len(parts)
    )


def check_partition(
    label: str,
    operations: Sequence[Operation],
    model: Model,
    *,
    deadline: float | None = None,
    prechecks: bool = True,
    counterexample_budget: float = 1.0,
    heuristics: bool = True,
) -> PartitionResult:
    """Check one independent part (no `fail` operations in it) against `model`."""
    ops = tuple(operations)
    found = model.precheck(ops) if prechecks else None
    if found is not None:
        reason, culprits = found
        budget_end = time.perf_counter() + counterexample_budget
        limit = budget_end if deadline is None else min(deadline, budget_end)
        res = _search_part(label, ops, model, limit, heuristics)
        if res.verdict is Verdict.OK:  # a pre-check is only a necessary condition: trust search
            return res
        return PartitionResult(
            label,
            Verdict.ILLEGAL,
            ops,
            res.linearization,
            res.candidates or tuple(culprits),
            res.blocking if res.verdict is Verdict.ILLEGAL else culprits[0],
            res.steps,
            reason,
            precheck=True,
        )
    return _search_part(label, ops, model, deadline, heuristics)


def _search_part(
    label: str,
    ops: tuple[Operation, ...],
    model: Model,
    deadline: float | None,
    heuristics: bool = True,
) -> PartitionResult:
    inputs: list[Any] = []
    outputs: list[Any] = []
    prepare = model.prepare
    for op in ops:
        i, o = prepare(op)
        inputs.append(i)
        outputs.append(o)
    calls = [op.call for op in ops]
    rets = [op.ret if op.outcome is Outcome.OK else None for op in ops]
    read_only = model.read_only
    ro = [read_only(i, o) for i, o in zip(inputs, outputs, strict=True)]
    out = search(
        calls,
        rets,
        inputs,
        outputs,
        model.step,
        initial_search_state(model),
        deadline,
        ro,
        heuristics=heuristics,
    )
    order = tuple(ops[i].index for i in out.order)
    verdict = Verdict(out.verdict)
    if verdict is not Verdict.ILLEGAL:
        return PartitionResult(label, verdict, ops, order, steps=out.steps)
    cands = tuple(ops[i].index for i in out.candidates)
    blocking = None if out.blocking is None else ops[out.blocking].index
    reason = _explain(model, ops, out.order, out.candidates, out.blocking)
    return PartitionResult(label, verdict, ops, order, cands, blocking, out.steps, reason)


def _explain(
    model: Model,
    ops: tuple[Operation, ...],
    order: tuple[int, ...],
    candidates: tuple[int, ...],
    blocking: int | None,
) -> str:
    states = replay(model, [ops[i] for i in order])
    state = states[-1][1] if states else initial_search_state(model)
    placed = len(order)
    text = f"after {placed} of {len(ops)} operations (state {model.describe_state(state)}), "
    if blocking is not None:
        b = ops[blocking]
        text += (
            f"op {b.index} {model.describe_operation(b)} by process {b.process} cannot take effect"
        )
        others = [ops[i] for i in candidates if i != blocking]
        if others:
            text += f" and neither can {len(others)} concurrent one(s)"
            shown = ", ".join(f"op {o.index} {model.describe_operation(o)}" for o in others[:3])
            text += f" ({shown}{', ...' if len(others) > 3 else ''})"
    return text


def replay(model: Model, ops: Sequence[Operation]) -> list[tuple[Any, Any]]:
    """States `(before, after)` of each op applied in order; stops at an op the model rejects.

    Nondeterministic models give power sets (frozensets of states).
    """
    state = initial_search_state(model)
    out: list[tuple[Any, Any]] = []
    for op in ops:
        i, o = model.prepare(op)
        ok, nxt = model.step(state, i, o)
        if not ok:
            break
        out.append((state, nxt))
        state = nxt
    return out
