"""`check`: split a history by the model's partition, pre-check, search the parts interleaved."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import attrs

from fault_injection.checker._history import History, Operation, Outcome
from fault_injection.checker._model import Model, initial_search_state
from fault_injection.checker._result import CheckResult, PartitionResult, Verdict
from fault_injection.checker._search import search

FIRST_SLICE = 4096
"""Steps every undecided part gets in the first round (or 4 per operation, if more)."""


def check(
    history: History | Sequence[Operation],
    model: Model,
    *,
    timeout: float | None = None,
    prechecks: bool = True,
    counterexample_budget: float = 0.25,
    heuristics: bool = True,
    max_steps: int | None = None,
    partition_steps: int | None = None,
) -> CheckResult:
    """Decide whether `history` is linearizable with respect to `model`.

    The parts from `model.partition` are checked interleaved, so the verdict comes as soon as
    the cheapest refutation: first every part's pre-check, then rounds in which each undecided
    part (smallest first) is searched with a step allowance that doubles each round. One
    illegal part decides "illegal" and ends the check (parts not decided by then are reported
    `UNKNOWN`); "ok" needs every part. `timeout` (seconds, wall clock, over all parts) turns an
    unfinished search into `Verdict.UNKNOWN`. `max_steps` (over all parts) and
    `partition_steps` (per search of one part) are deterministic budgets: with them, verdicts
    and counterexamples do not depend on machine speed. When a pre-check proves a part illegal,
    the search still runs for up to `counterexample_budget` seconds to find the longest
    linearizable prefix for the report. `prechecks=False, heuristics=False` is the plain
    porcupine-style search (the benchmark's baseline). Raises `ValueError` naming the
    operation when one does not fit the model.
    """
    start = time.perf_counter()
    deadline = None if timeout is None else start + timeout
    ops = history.operations if isinstance(history, History) else tuple(history)
    live = [op for op in ops if op.outcome is not Outcome.FAIL]
    parts = [(label, tuple(part)) for label, part in model.partition(live)]
    budget = _Budget(max_steps, partition_steps, deadline)
    results: dict[int, PartitionResult] = {}
    if prechecks:
        for k, (label, part) in enumerate(parts):
            found = model.precheck(part)
            if found is not None:
                res = _refuted_by_precheck(
                    label, part, model, found, budget, counterexample_budget, heuristics
                )
                if res.verdict is Verdict.ILLEGAL:
                    results[k] = res
                    return _merge(parts, results, budget, start, model)
    undecided = sorted(range(len(parts)), key=lambda k: (len(parts[k][1]), k))
    allowance = {k: max(FIRST_SLICE, 4 * len(parts[k][1])) for k in undecided}
    while undecided:
        still: list[int] = []
        for k in undecided:
            label, part = parts[k]
            alone = len(undecided) == 1 and not still
            steps = budget.allow(None if alone else allowance[k])
            res = _search_part(label, part, model, deadline, heuristics, max_steps=steps)
            budget.spend(res.steps)
            if res.verdict is Verdict.ILLEGAL:
                results[k] = res
                return _merge(parts, results, budget, start, model)
            results[k] = res
            if res.verdict is Verdict.UNKNOWN and not budget.final(steps):
                allowance[k] *= 2
                still.append(k)
        undecided = still
    return _merge(parts, results, budget, start, model)


@attrs.define
class _Budget:
    """What is left of the step and time budgets while the parts are searched."""

    max_steps: int | None
    partition_steps: int | None
    deadline: float | None
    spent: int = 0

    def allow(self, slice_steps: int | None) -> int | None:
        """Steps the next search may take: its slice, capped by both step budgets."""
        caps = [c for c in (slice_steps, self.partition_steps) if c is not None]
        if self.max_steps is not None:
            caps.append(max(self.max_steps - self.spent, 0))
        return min(caps) if caps else None

    def spend(self, steps: int) -> None:
        """Count a finished search's steps against the total."""
        self.spent += steps

    def final(self, allowed: int | None) -> bool:
        """True when an unknown search with `allowed` steps gets no further try."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            return True
        if self.max_steps is not None and self.spent >= self.max_steps:
            return True
        return allowed is None or (
            self.partition_steps is not None and allowed >= self.partition_steps
        )


def _merge(
    parts: list[tuple[str, tuple[Operation, ...]]],
    results: dict[int, PartitionResult],
    budget: _Budget,
    start: float,
    model: Model,
) -> CheckResult:
    """One result per part in partition order; parts never decided are `UNKNOWN`."""
    out = tuple(
        results.get(k) or PartitionResult(label, Verdict.UNKNOWN, part, ())
        for k, (label, part) in enumerate(parts)
    )
    verdicts = {p.verdict for p in out}
    verdict = Verdict.OK
    if Verdict.ILLEGAL in verdicts:
        verdict = Verdict.ILLEGAL
    elif Verdict.UNKNOWN in verdicts:
        verdict = Verdict.UNKNOWN
    elapsed = time.perf_counter() - start
    return CheckResult(verdict, out, budget.spent, elapsed, model.name, len(parts))


def _refuted_by_precheck(  # noqa: PLR0917 - private, one caller
    label: str,
    ops: tuple[Operation, ...],
    model: Model,
    found: tuple[str, list[int]],
    budget: _Budget,
    counterexample_budget: float,
    heuristics: bool,
) -> PartitionResult:
    """A part a pre-check refuted, with the search's counterexample found within budget."""
    reason, culprits = found
    budget_end = time.perf_counter() + counterexample_budget
    limit = budget_end if budget.deadline is None else min(budget.deadline, budget_end)
    res = _search_part(label, ops, model, limit, heuristics, max_steps=budget.allow(None))
    budget.spend(res.steps)
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
    budget = _Budget(None, None, deadline)
    if found is not None:
        return _refuted_by_precheck(
            label, ops, model, found, budget, counterexample_budget, heuristics
        )
    return _search_part(label, ops, model, deadline, heuristics)


def _search_part(
    label: str,
    ops: tuple[Operation, ...],
    model: Model,
    deadline: float | None,
    heuristics: bool = True,
    *,
    max_steps: int | None = None,
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
        max_steps=max_steps,
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
