"""Workloads: outcomes follow Maelstrom's definite/indefinite codes; ops fit their models."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fault_injection.checker import check, make_history
from fault_injection.workloads import WORKLOADS, KeyedCasRegisterModel, complete, timed_out
from fault_injection.workloads.catalog import WorkloadError, workload


def test_reply_outcomes() -> None:
    wl = WORKLOADS["cas"]
    read = wl.final_reads()[0]
    write = next(op for op in (wl.generate(random.Random(i)) for i in range(50)) if op.f == "write")
    cas = next(op for op in (wl.generate(random.Random(i)) for i in range(50)) if op.f == "cas")
    assert complete(read, {"type": "read_ok", "value": 3}).output == 3
    assert complete(read, {"type": "error", "code": 20}).outcome == "ok"  # missing = nil
    assert complete(cas, {"type": "cas_ok"}).output is True
    assert complete(cas, {"type": "error", "code": 22}).outcome == "fail"
    assert complete(write, {"type": "error", "code": 11}).outcome == "fail"
    assert complete(write, {"type": "error", "code": 13}).outcome == "info"
    assert complete(write, {"type": "error", "code": 0}).outcome == "info"
    assert timed_out(write, 1.0).outcome == "info"
    assert timed_out(read, 1.0).outcome == "fail"


def test_unknown_workload_lists_the_names() -> None:
    with pytest.raises(WorkloadError, match="register, cas, lin-kv, kv, store"):
        workload("bank")


@given(st.sampled_from(sorted(WORKLOADS)), st.integers(0, 2**32))
def test_generated_operations_fit_their_model(name: str, seed: int) -> None:
    """A sequential run of generated ops, answered by a dict, is accepted by the model."""
    wl = WORKLOADS[name]
    rng = random.Random(seed)
    data: dict[object, object] = {}
    rows = []
    for t in range(30):
        op = wl.generate(rng)
        body = op.body
        key = body["key"]
        if body["type"] == "read":
            reply = (
                {"type": "read_ok", "value": data[key]}
                if key in data
                else {"type": "error", "code": 20}
            )
        elif body["type"] == "write":
            data[key] = body["value"]
            reply = {"type": "write_ok"}
        elif body["type"] == "delete":
            data.pop(key, None)
            reply = {"type": "delete_ok"}
        elif key in data and data[key] == body["from"]:
            data[key] = body["to"]
            reply = {"type": "cas_ok"}
        else:
            reply = {"type": "error", "code": 22}
        done = complete(op, reply)
        rows.append((1, op.f, op.input, done.output, t, t + 0.5, done.outcome))
    assert check(make_history(rows), wl.model()).verdict.value == "ok"


def test_keyed_model_checks_keys_independently() -> None:
    rows = [
        (1, "write", {"key": 1, "value": 5}, None, 0, 1),
        (2, "read", {"key": 2}, None, 2, 3),
        (2, "read", {"key": 1}, 5, 4, 5),
    ]
    assert check(make_history(rows), KeyedCasRegisterModel()).verdict.value == "ok"
    rows.append((3, "read", {"key": 1}, None, 6, 7))  # key 1 lost its write
    assert check(make_history(rows), KeyedCasRegisterModel()).verdict.value == "illegal"
