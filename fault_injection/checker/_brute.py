"""A deliberately dumb checker: try every order consistent with real time, no memo, no tricks.

Exponential, so only for small histories: the tests cross-check the fast search against it and
the benchmark uses it as the baseline on small sizes. Indeterminate operations may be left out
(they never took effect) or placed anywhere after their call.
"""

from __future__ import annotations

from collections.abc import Sequence

from fault_injection.checker._history import History, Operation, Outcome
from fault_injection.checker._model import Model, initial_search_state


def brute_force_linearizable(history: History | Sequence[Operation], model: Model) -> bool:
    """True when some real-time-respecting order of the live operations satisfies `model`.

    Each part of `model.partition` is enumerated independently (P-compositionality is what the
    fast checker relies on, and the tests check the unpartitioned brute force too).
    """
    ops = history.operations if isinstance(history, History) else tuple(history)
    live = [op for op in ops if op.outcome is not Outcome.FAIL]
    return all(_part_ok(part, model) for _label, part in model.partition(live))


def brute_force_unpartitioned(history: History | Sequence[Operation], model: Model) -> bool:
    """Like `brute_force_linearizable` but over the whole history as one part."""
    ops = history.operations if isinstance(history, History) else tuple(history)
    return _part_ok([op for op in ops if op.outcome is not Outcome.FAIL], model)


def _part_ok(ops: Sequence[Operation], model: Model) -> bool:
    n = len(ops)
    prepared = [model.prepare(op) for op in ops]
    definite = [op.outcome is Outcome.OK for op in ops]
    # before[j]: ops that must be placed before j (they returned before j was called)
    before = [
        [i for i in range(n) if definite[i] and ops[i].ret is not None and ops[i].ret < ops[j].call]
        for j in range(n)
    ]
    need = sum(definite)

    def extend(placed: list[bool], state: object, done: int) -> bool:
        if done == need:
            return True
        for j in range(n):
            if placed[j] or not all(placed[i] for i in before[j]):
                continue
            inp, out = prepared[j]
            ok, nxt = model.step(state, inp, out)
            if not ok:
                continue
            placed[j] = True
            if extend(placed, nxt, done + definite[j]):
                placed[j] = False
                return True
            placed[j] = False
        return False

    return extend([False] * n, initial_search_state(model), 0)
