"""The search: Wing & Gong with Lowe's just-in-time linearization and a visited-set memo.

Call and return events of one partition are laid out in time order in a doubly linked list
(arrays `nxt`/`prv`, node 0 is the head). Walking the list, the search tries to linearize each
call it meets; it can only meet a *return* once every operation still in the list before it
has been tried, and reaching a return whose call is not yet linearized means the current
prefix is a dead end, so it backtracks (undo the last linearized operation and try the next
candidate after it). A linearized operation's call and return are unlinked ("lifted"), so the
list always holds exactly the operations not yet placed. The memo holds every
`(linearized-set, state)` pair already reached: the future of the search depends only on that
pair, so meeting one again is pruned. The linearized set is a Python int used as a bitset.

Indeterminate operations have no return node: nothing forces them to be placed, and the search
stops as soon as every definite (`ok`) operation is placed. That is sound because a model's
step must accept an indeterminate operation in any state, so the rest can go at the end.

The loop is written for CPython speed: locals only, parallel lists instead of node objects,
one `step` call and one set lookup per step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs


@attrs.frozen
class SearchOutcome:
    """What one search over one partition found."""

    verdict: str
    """`ok`, `illegal` or `unknown` (time limit reached)."""
    steps: int
    """Calls of the model's step function."""
    order: tuple[int, ...]
    """`ok`: a full linearization (positions in the partition's op list, definite ones placed
    before any leftover indeterminate ones are omitted). `illegal`/`unknown`: the longest
    linearizable prefix found."""
    candidates: tuple[int, ...] = ()
    """`illegal`: operations that could come next after `order` but none fits."""
    blocking: int | None = None
    """`illegal`: the definite operation whose return was reached without placing it."""


def search(  # noqa: PLR0917 - hot path called with parallel arrays
    calls: Sequence[float],
    deadlines: Sequence[float | None],
    inputs: Sequence[Any],
    outputs: Sequence[Any],
    step: Callable[[Any, Any, Any], tuple[bool, Any]],
    init: Any,
    deadline: float | None = None,
    read_only: Sequence[bool] | None = None,
    *,
    heuristics: bool = True,
    max_steps: int | None = None,
) -> SearchOutcome:
    """Decide whether the operations have a linearization under `step` from `init`.

    Operation `i` was called at `calls[i]` and returned at `deadlines[i]` (`None`: open).

    `deadline` is a `time.perf_counter()` value after which the search gives up (`unknown`).
    `max_steps` is a deterministic limit: after that many model steps (checked at the same
    points as the deadline, so a few past it but always the same count) it gives up too.
    `read_only[i]` says operation `i` never changes any state (see `Model.read_only`); such an
    operation, once it fits, needs no alternatives tried in its place. `heuristics=False`
    turns that and the candidate ordering off: the plain porcupine search (a baseline).
    """
    n = len(calls)
    ro = list(read_only) if read_only is not None and heuristics else [False] * n
    # ---- build the event list: calls before returns at equal times (they overlap) ----
    events: list[tuple[float, int, int]] = []
    for i in range(n):
        events.append((calls[i], 0, i))
        d = deadlines[i]
        if d is not None:
            events.append((d, 1, i))
    events.sort()
    if heuristics:
        _order_runs(events, deadlines, ro)
    m = len(events)
    nxt = [0] * (m + 1)
    prv = [0] * (m + 1)
    node_op = [0] * (m + 1)
    is_ret = [False] * (m + 1)
    match = [-1] * (m + 1)
    call_node = [0] * n
    for k, (_t, kind, i) in enumerate(events, 1):
        nxt[k - 1] = k
        prv[k] = k - 1
        node_op[k] = i
        if kind:
            is_ret[k] = True
            match[call_node[i]] = k
        else:
            call_node[i] = k
    nxt[m] = 0
    prv[0] = m

    remaining = sum(1 for d in deadlines if d is not None)
    # The linearized set is a window: every op below `base` is placed, op `base` is not, and
    # bit j of `lin` is op base + j. It stays as small as the concurrency, not the history.
    lin = 0
    base = 0
    state = init
    stack_node: list[int] = []
    stack_undo: list[tuple[Any, int, int, bool]] = []
    seen: set[tuple[int, int, Any]] = set()
    seen_add = seen.add
    push_node = stack_node.append
    push_undo = stack_undo.append
    pop_node = stack_node.pop
    pop_undo = stack_undo.pop
    best: list[int] = []
    best_len = 0
    low = 0  # shortest the stack has been since `best` was taken: they agree below it
    steps = 0
    check_every = 1 << 13
    step_limit = math.inf if max_steps is None else max_steps
    next_check = min(check_every, step_limit)
    clock = time.perf_counter
    entry = nxt[0]
    while remaining:
        if not is_ret[entry]:
            op = node_op[entry]
            steps += 1
            ok, new_state = step(state, inputs[op], outputs[op])
            if ok:
                d = op - base
                new_lin = lin | (1 << d)
                new_base = base
                if not d:  # the window's first op: slide past the run of placed ops
                    k = ((~new_lin) & (new_lin + 1)).bit_length() - 1
                    new_lin >>= k
                    new_base += k
                key = (new_lin, new_base, new_state)
                noop = ro[op]
                if key not in seen:
                    seen_add(key)
                    push_node(entry)
                    push_undo((state, lin, base, noop))
                    state = new_state
                    lin = new_lin
                    base = new_base
                    p = prv[entry]
                    q = nxt[entry]
                    nxt[p] = q
                    prv[q] = p
                    r = match[entry]
                    if r >= 0:
                        p = prv[r]
                        q = nxt[r]
                        nxt[p] = q
                        prv[q] = p
                        remaining -= 1
                    entry = nxt[0]
                    if steps >= next_check:
                        next_check = min(steps + check_every, step_limit)
                        if steps >= step_limit or (deadline is not None and clock() > deadline):
                            if len(stack_node) > best_len:
                                del best[low:]
                                best.extend(stack_node[low:])
                            return _give_up("unknown", steps, best, node_op)
                    continue
                if not noop:
                    entry = nxt[entry]
                    continue
                # a read-only op whose successor was already refuted: so is this node
            else:
                entry = nxt[entry]
                continue
        # reached a return (or a refuted no-op): the prefix cannot be extended; undo choices.
        # A popped read-only op needs no alternatives: it fitted here, so it could be moved
        # first in any linearization from its node; the node fails with it, keep popping.
        if len(stack_node) > best_len:  # the deepest prefix so far, kept for the report
            del best[low:]
            best.extend(stack_node[low:])
            best_len = low = len(best)
        while True:
            if not stack_node:
                return _illegal(steps, best, node_op, events)
            entry = pop_node()
            state, lin, base, noop = pop_undo()
            if len(stack_node) < low:  # noqa: PLR1730 - faster than min() in the hot loop
                low = len(stack_node)
            r = match[entry]
            if r >= 0:
                nxt[prv[r]] = r
                prv[nxt[r]] = r
                remaining += 1
            nxt[prv[entry]] = entry
            prv[nxt[entry]] = entry
            if not noop:
                break
        entry = nxt[entry]
        if steps >= next_check:
            next_check = min(steps + check_every, step_limit)
            if steps >= step_limit or (deadline is not None and clock() > deadline):
                return _give_up("unknown", steps, best, node_op)
    return SearchOutcome("ok", steps, tuple(node_op[k] for k in stack_node))


def _order_runs(
    events: list[tuple[float, int, int]], deadlines: Sequence[float | None], ro: list[bool]
) -> None:
    """Sort each run of consecutive calls: read-only first, then by return time, in place.

    The candidates at any point are the calls before the first unplaced return, a union of
    whole runs, so this only changes the order in which candidates are tried: the most urgent
    (earliest return) first, which finds a linearization sooner on crowded histories. Read-only
    operations go first because placing one that fits never has to be undone for another.
    """
    inf = math.inf
    start = 0
    m = len(events)
    while start < m:
        if events[start][1]:
            start += 1
            continue
        end = start
        while end < m and not events[end][1]:
            end += 1
        if end - start > 1:
            run = events[start:end]
            run.sort(key=lambda e: (not ro[e[2]], _inf_if_none(deadlines[e[2]], inf), e[0]))
            events[start:end] = run
        start = end


def _inf_if_none(value: float | None, inf: float) -> float:
    return inf if value is None else value


def _give_up(verdict: str, steps: int, best: list[int], node_op: list[int]) -> SearchOutcome:
    return SearchOutcome(verdict, steps, tuple(node_op[k] for k in best))


def _illegal(
    steps: int,
    best: list[int],
    node_op: list[int],
    events: list[tuple[float, int, int]],
) -> SearchOutcome:
    """Describe the dead end after the longest prefix: who could go next, who blocked."""
    order = tuple(node_op[k] for k in best)
    placed = set(order)
    candidates: list[int] = []
    blocking: int | None = None
    for _t, kind, i in events:
        if i in placed:
            continue
        if kind:
            blocking = i
            break
        candidates.append(i)
    return SearchOutcome("illegal", steps, order, tuple(candidates), blocking)
