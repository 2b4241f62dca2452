"""Fast, sound necessary conditions that decide many illegal histories without a search.

Each function looks at the operations of one partition and returns `(reason, [op indices])`
when the history certainly has no linearization, or `None` (decides nothing). Real-time order
is the checker's: `a` precedes `b` iff `a.ret < b.call` (equal times overlap). Soundness
arguments are next to each rule; the tests cross-check every rule against brute force.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Hashable, Sequence

import attrs

from fault_injection.checker._history import Operation


@attrs.frozen
class Write:
    """An operation that may install `value` (ok or indeterminate)."""

    op: Operation
    value: Hashable
    definite: bool
    """True when it surely took effect (completed `ok`)."""


@attrs.frozen
class Read:
    """A completed operation that observed `value` as the state just before its own effect."""

    op: Operation
    value: Hashable


Verdict = tuple[str, list[int]] | None


def register_rules(initial: Hashable, writes: Sequence[Write], reads: Sequence[Read]) -> Verdict:
    """Rules for a register (read/write/cas) whose state is the last value written.

    1. *Never written*: a read of `v` needs a write of `v` (other than the reading operation
       itself) called no later than the read returned, or `v` must be the initial value.
       Sound: the read's point lies before its return and after the write's point, which lies
       after the write's call.
    2. *Stale read*: when exactly one operation can write `v` (or none and `v` is the initial
       value), a read of `v` is impossible if some definite write `w'` lies wholly after that
       writer and wholly before the read: `w'` is linearized between them and overwrites `v`,
       and no other operation can write `v` back.
    """
    writers: dict[Hashable, list[Write]] = {}
    for w in writes:
        writers.setdefault(w.value, []).append(w)
    definite = sorted((w.op.call, w.op.ret) for w in writes if w.definite and w.op.ret is not None)
    def_calls = [c for c, _ in definite]
    suffix_min: list[float] = [math.inf] * (len(definite) + 1)
    for k in range(len(definite) - 1, -1, -1):
        ret = definite[k][1]
        assert ret is not None
        suffix_min[k] = min(suffix_min[k + 1], ret)
    for ws_of_value in writers.values():
        ws_of_value.sort(key=lambda w: w.op.call)  # earliest first: _other_writers keeps 2
    for r in reads:
        assert r.op.ret is not None
        ws = _other_writers(writers.get(r.value, ()), r.op.index)
        if r.value != initial and not any(w.op.call <= r.op.ret for w in ws):
            return (
                f"{_name(r.op)} observed {_show(r.value)}, which no operation wrote "
                "before it returned",
                [r.op.index],
            )
        if len(ws) > 1 or (ws and r.value == initial):
            continue
        if ws:
            source = ws[0]
            after = source.op.deadline
            if after == math.inf:
                continue
        else:
            after = -math.inf
        k = bisect_right(def_calls, after)
        if suffix_min[k] < r.op.call:
            culprit = next(
                w
                for w in writes
                if w.definite
                and w.op.call > after
                and w.op.ret is not None
                and w.op.ret < r.op.call
            )
            why = f"written only by op {ws[0].op.index}" if ws else "the initial value"
            return (
                f"stale read: {_name(r.op)} observed {_show(r.value)} ({why}) although "
                f"{_name(culprit.op)} overwrote it before the read began",
                [r.op.index, culprit.op.index],
            )
    return None


def append_rules(appends: Sequence[Write], reads: Sequence[Read]) -> Verdict:
    """Rules for an append-only string (no puts or deletes on the key), initially empty.

    The state only grows, so every state is a prefix of the final one:
    1. *Prefix chain*: any two reads must be prefix-comparable.
    2. *No going back*: if read `a` precedes read `b` in real time, `a`'s value is a prefix
       of `b`'s (`b` is linearized after `a`, and the state only grew in between).
    3. *No lost append*: an append acknowledged before a read began appears (as a substring)
       in what the read saw; by (1) it suffices to test the shortest read after the append.
    4. *Nothing from nowhere*: a read cannot be longer than all appends called before it
       returned, put together (each append adds its value once).
    Values are strings (`Read.value`, `Write.value`).
    """
    by_len = sorted(reads, key=lambda r: len(r.value))  # type: ignore[arg-type]
    for a, b in itertools.pairwise(by_len):
        if not str(b.value).startswith(str(a.value)):
            return (
                f"{_name(a.op)} and {_name(b.op)} saw values that are not prefixes of one sequence",
                [a.op.index, b.op.index],
            )
    by_ret = sorted(reads, key=_ret)
    by_call = sorted(reads, key=lambda r: r.op.call)
    k = 0
    longest: Read | None = None
    for b in by_call:
        while k < len(by_ret) and _ret(by_ret[k]) < b.op.call:
            if longest is None or len(str(by_ret[k].value)) > len(str(longest.value)):
                longest = by_ret[k]
            k += 1
        if longest is not None and len(str(longest.value)) > len(str(b.value)):
            return (
                f"{_name(b.op)} saw {_show(b.value)}, shorter than what {_name(longest.op)} "
                "saw before it began",
                [longest.op.index, b.op.index],
            )
    calls = [r.op.call for r in by_call]
    suffix_short: list[Read | None] = [None] * (len(by_call) + 1)
    for j in range(len(by_call) - 1, -1, -1):
        cur = suffix_short[j + 1]
        r = by_call[j]
        suffix_short[j] = r if cur is None or len(str(r.value)) <= len(str(cur.value)) else cur
    for a in appends:
        if not a.definite or a.op.ret is None:
            continue
        shortest = suffix_short[bisect_right(calls, a.op.ret)]
        if shortest is not None and str(a.value) not in str(shortest.value):
            return (
                f"lost append: {_name(a.op)} appended {_show(a.value)} and was acknowledged "
                f"before {_name(shortest.op)} began, which saw {_show(shortest.value)}",
                [a.op.index, shortest.op.index],
            )
    app_calls = sorted((a.op.call, len(str(a.value))) for a in appends)
    prefix_len = [0]
    for _c, ln in app_calls:
        prefix_len.append(prefix_len[-1] + ln)
    only_calls = [c for c, _ in app_calls]
    for r in reads:
        budget = prefix_len[bisect_right(only_calls, _ret(r))]
        if len(str(r.value)) > budget:
            return (
                f"{_name(r.op)} saw {_show(r.value)}, longer than everything appended "
                "before it returned",
                [r.op.index],
            )
    return None


def _ret(r: Read) -> float:
    return math.inf if r.op.ret is None else r.op.ret


def _other_writers(ws: Sequence[Write], reader: int) -> list[Write]:
    """The earliest writers of a value other than the reading op itself, at most two.

    The rules only ask whether one was called before the read returned (the earliest tells)
    and whether there is exactly one; two are enough for both, and the cost stays O(1).
    """
    out: list[Write] = []
    for w in ws:
        if w.op.index != reader:
            out.append(w)
            if len(out) == 2:
                break
    return out


def _name(op: Operation) -> str:
    return f"op {op.index} ({op.f} by process {op.process})"


def _show(value: object) -> str:
    return "nil" if value is None else repr(value)
