"""The fast search agrees with brute force on small random histories (incl. info ops)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fault_injection.checker import (
    UNKNOWN,
    CasRegisterModel,
    KvModel,
    Outcome,
    QueueModel,
    RegisterModel,
    SetModel,
    check,
    make_history,
)
from fault_injection.checker._brute import brute_force_linearizable, brute_force_unpartitioned

VALUES = st.integers(0, 2)


class WholeMapModel(KvModel):
    """The KV map without partitioning: state is the whole map (a dumb, independent spec)."""

    def init(self) -> object:
        return ()

    def prepare(self, op: object) -> tuple[object, object]:
        (code, arg), out = super().prepare(op)
        return (code, op.input["key"], arg), out

    def step(self, state: object, input: object, output: object) -> tuple[bool, object]:
        code, key, arg = input
        current = dict(state)
        value = current.get(key, "")
        if code == 0:
            return (output is UNKNOWN or output == value, state)
        current[key] = arg if code == 1 else value + arg if code == 2 else ""
        return (True, tuple(sorted(current.items())))

    def read_only(self, input: object, output: object) -> bool:
        return input[0] == 0

    def partition(self, operations: object) -> list[tuple[str, list[object]]]:
        return [("", list(operations))]


@st.composite
def register_histories(draw: st.DrawFn, cas: bool) -> object:
    """Arbitrary (mostly illegal) small register histories: random ops, outputs and times."""
    n = draw(st.integers(1, 7))
    clients = draw(st.integers(1, 3))
    rows = []
    clock = [0] * clients
    for _ in range(n):
        c = draw(st.integers(0, clients - 1))
        call = clock[c] + draw(st.integers(0, 3))
        ret = call + draw(st.integers(0, 4))
        outcome = draw(st.sampled_from(["ok", "ok", "ok", "info", "fail"]))
        f = draw(st.sampled_from(["read", "write", "cas"] if cas else ["read", "write"]))
        if f == "read":
            inp, out = None, draw(st.none() | VALUES)
        elif f == "write":
            inp, out = draw(VALUES), None
        else:
            inp, out = [draw(st.none() | VALUES), draw(VALUES)], draw(st.booleans())
        if outcome == "info":
            rows.append((c, f, inp, None, call, draw(st.none() | st.just(ret)), "info"))
        else:
            rows.append((c, f, inp, out, call, ret, outcome))
        clock[c] = ret + 1
    rows.sort(key=lambda r: r[4])
    return make_history(rows)


@st.composite
def kv_histories(draw: st.DrawFn) -> object:
    n = draw(st.integers(1, 8))
    rows = []
    clock = [0, 0, 0]
    for _ in range(n):
        c = draw(st.integers(0, 2))
        call = clock[c] + draw(st.integers(0, 3))
        ret = call + draw(st.integers(0, 4))
        key = draw(st.sampled_from(["a", "b"]))
        f = draw(st.sampled_from(["get", "put", "append", "delete"]))
        outcome = draw(st.sampled_from(["ok", "ok", "info"]))
        inp: dict[str, str] = {"key": key}
        out = None
        if f in ("put", "append"):
            inp["value"] = draw(st.sampled_from(["x", "y"]))
        if f == "get":
            out = draw(st.sampled_from(["", "x", "y", "xy", "yx", "xx"]))
        rows.append((c, f, inp, out, call, ret, outcome))
        clock[c] = ret + 1
    rows.sort(key=lambda r: r[4])
    return make_history(rows)


@settings(max_examples=1500, deadline=None)
@given(register_histories(cas=False), st.booleans())
def test_register_search_matches_brute_force(history: object, prechecks: bool) -> None:
    expected = brute_force_linearizable(history, RegisterModel())
    assert check(history, RegisterModel(), prechecks=prechecks).ok is expected


@settings(max_examples=1500, deadline=None)
@given(register_histories(cas=True), st.booleans())
def test_cas_register_search_matches_brute_force(history: object, prechecks: bool) -> None:
    expected = brute_force_linearizable(history, CasRegisterModel())
    assert check(history, CasRegisterModel(), prechecks=prechecks).ok is expected


@settings(max_examples=800, deadline=None)
@given(kv_histories(), st.booleans())
def test_kv_search_matches_brute_force_and_partitioning_is_sound(
    history: object, prechecks: bool
) -> None:
    expected = brute_force_unpartitioned(history, WholeMapModel())
    assert brute_force_linearizable(history, KvModel()) is expected
    assert check(history, KvModel(), prechecks=prechecks).ok is expected
    assert check(history, WholeMapModel(), prechecks=False).ok is expected


def test_info_operation_may_take_effect_late() -> None:
    """An indeterminate write explains a read long after it was called."""
    h = make_history(
        [
            (0, "write", 1, None, 0, 1),
            (1, "write", 2, None, 2, None, "info"),
            (0, "read", None, 1, 3, 4),
            (0, "read", None, 2, 10, 11),
        ]
    )
    assert check(h, RegisterModel()).ok
    assert h.operations[1].outcome is Outcome.INFO


def test_failed_operation_never_takes_effect() -> None:
    h = make_history(
        [
            (0, "write", 1, None, 0, 1),
            (1, "write", 2, None, 2, 3, "fail"),
            (0, "read", None, 2, 4, 5),
        ]
    )
    assert not check(h, RegisterModel()).ok


@st.composite
def set_histories(draw: st.DrawFn) -> object:
    n = draw(st.integers(1, 7))
    rows = []
    clock = [0, 0, 0]
    for _ in range(n):
        c = draw(st.integers(0, 2))
        call = clock[c] + draw(st.integers(0, 3))
        ret = call + draw(st.integers(0, 4))
        outcome = draw(st.sampled_from(["ok", "ok", "info"]))
        if draw(st.booleans()):
            rows.append((c, "add", draw(st.integers(0, 2)), None, call, ret, outcome))
        else:
            seen = draw(st.lists(st.integers(0, 2), max_size=3, unique=True))
            rows.append((c, "read", None, seen, call, ret, outcome))
        clock[c] = ret + 1
    rows.sort(key=lambda r: r[4])
    return make_history(rows)


@settings(max_examples=600, deadline=None)
@given(set_histories())
def test_set_search_matches_brute_force(history: object) -> None:
    expected = brute_force_linearizable(history, SetModel())
    assert check(history, SetModel()).ok is expected


@st.composite
def queue_histories(draw: st.DrawFn) -> object:
    n = draw(st.integers(1, 7))
    rows = []
    clock = [0, 0, 0]
    for _ in range(n):
        c = draw(st.integers(0, 2))
        call = clock[c] + draw(st.integers(0, 3))
        ret = call + draw(st.integers(0, 4))
        outcome = draw(st.sampled_from(["ok", "ok", "info"]))
        if draw(st.booleans()):
            rows.append((c, "enqueue", draw(st.integers(0, 2)), None, call, ret, outcome))
        else:
            rows.append(
                (c, "dequeue", None, draw(st.none() | st.integers(0, 2)), call, ret, outcome)
            )
        clock[c] = ret + 1
    rows.sort(key=lambda r: r[4])
    return make_history(rows)


@settings(max_examples=600, deadline=None)
@given(queue_histories())
def test_queue_search_matches_brute_force(history: object) -> None:
    expected = brute_force_linearizable(history, QueueModel())
    assert check(history, QueueModel()).ok is expected


@pytest.mark.slow
@settings(max_examples=20_000, deadline=None)
@given(register_histories(cas=True), st.booleans())
def test_cas_register_big_sweep_vs_brute_force(history: object, prechecks: bool) -> None:
    expected = brute_force_linearizable(history, CasRegisterModel())
    assert check(history, CasRegisterModel(), prechecks=prechecks).ok is expected
