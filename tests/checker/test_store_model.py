"""The Store-contract model: sequential executions pass, a wrong revision fails (vs brute force)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from fault_injection.checker import StoreModel, Verdict, check, make_history
from fault_injection.checker._brute import brute_force_linearizable

KEYS = ("a", "b")


def _request(rng: random.Random, i: int) -> tuple[str, dict]:
    key = rng.choice(KEYS)
    x = rng.random()
    if x < 0.35:
        return "get", {"key": key}
    if x < 0.65:
        return "put", {"key": key, "value": f"v{i}"}
    if x < 0.8:
        return "delete", {"key": key}
    target = rng.choice(["value", "version", "mod_revision"])
    operand = f"v{rng.randrange(i + 1)}" if target == "value" else rng.randrange(3)
    return "txn", {
        "compares": [
            {"key": key, "target": target, "op": rng.choice(["=", ">", "<"]), "operand": operand}
        ],
        "success": [{"f": "put", "key": key, "value": f"t{i}"}],
        "failure": [{"f": "get", "key": rng.choice(KEYS)}],
    }


def store_history(seed: int, n: int, clients: int) -> object:
    """Run requests through the model in point order; return overlapping intervals."""
    rng = random.Random(seed)
    model = StoreModel()
    state = model.init()
    rows = []
    t = 0.0
    for i in range(n):
        f, inp = _request(rng, i)
        probe = make_history([(0, f, inp, {}, 0, 1)]).operations[0]
        request, _ = model.prepare(probe)
        output = _observe(model, state, request)
        ok, state = model.step(state, request, ())
        assert ok
        start = t - rng.random() * 2
        rows.append((i % clients, f, inp, output, max(start, 0.0), t + rng.random() * 2))
        t += 1.0
    by_client: dict[int, float] = {}
    fixed = []
    for c, f, inp, out, call, ret in rows:  # keep one op at a time per client
        call = max(call, by_client.get(c, -1.0) + 0.01)
        ret = max(ret, call)
        by_client[c] = ret
        fixed.append((c, f, inp, out, call, ret))
    fixed.sort(key=lambda r: r[4])
    return make_history(fixed)


def _observe(model: StoreModel, state: object, request: tuple) -> dict:
    """The full output the model would give (found by trying candidate revisions/values)."""
    from fault_injection.checker import _store

    rev, items = state
    kvs = dict(items)
    if request[0] == "txn":
        _, compares, success, failure = request
        ok = all(_store._holds(kvs.get(k), t, o, v) for k, t, o, v in compares)
        branch = success if ok else failure
        writes = any(b[0] != "get" for b in branch)
        new_rev = rev + 1 if writes else rev
        responses = [_store._apply(kvs, b, new_rev) for b in branch]
        final = new_rev if any(r.pop("_wrote", False) for r in responses) else rev
        return {"succeeded": ok, "revision": final, "responses": responses}
    res = _store._apply(kvs, request, rev + 1)
    res["revision"] = rev + 1 if res.pop("_wrote", False) else rev
    return res


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 7), st.integers(1, 3))
def test_sequential_store_runs_are_linearizable_and_a_wrong_revision_is_not(
    seed: int, n: int, clients: int
) -> None:
    h = store_history(seed, n, clients)
    assert check(h, StoreModel()).verdict is Verdict.OK
    assert brute_force_linearizable(h, StoreModel())
    rng = random.Random(seed)
    i = rng.randrange(n)
    op = h.operations[i]
    bad_out = dict(op.output, revision=op.output["revision"] + 100)
    rows = [
        (o.process, o.f, o.input, bad_out if o.index == i else o.output, o.call, o.ret)
        for o in h.operations
    ]
    bad = make_history(rows)
    assert check(bad, StoreModel()).verdict is Verdict.ILLEGAL
    assert not brute_force_linearizable(bad, StoreModel())


def test_txn_compare_on_missing_key_value_is_false() -> None:
    h = make_history(
        [
            (
                0,
                "txn",
                {
                    "compares": [{"key": "a", "target": "value", "op": "!=", "operand": "x"}],
                    "success": [{"f": "put", "key": "a", "value": "y"}],
                    "failure": [],
                },
                {"succeeded": True},
                0,
                1,
            ),
        ]
    )
    assert check(h, StoreModel()).verdict is Verdict.ILLEGAL


def test_partial_outputs_only_check_recorded_fields() -> None:
    h = make_history(
        [
            (0, "put", {"key": "a", "value": "x"}, {"revision": 2}, 0, 1),
            (1, "get", {"key": "a"}, {"value": "x"}, 2, 3),
            (1, "get", {"key": "a"}, {"mod_revision": 2, "version": 1, "revision": 2}, 4, 5),
        ]
    )
    assert check(h, StoreModel()).ok
