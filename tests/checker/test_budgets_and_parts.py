"""Parts are searched interleaved, cheapest refutation first; step budgets are deterministic."""

from __future__ import annotations

from fault_injection.checker import CasRegisterModel, KvModel, Operation, Verdict, check
from fault_injection.checker._generate import kv_history, mutate, register_history
from fault_injection.checker._history import History


def _rename(history: History, names: dict[str, str]) -> History:
    """The same history with keys renamed, so the parts come in another order."""
    ops = []
    for op in history.operations:
        inp = dict(op.input)
        inp["key"] = names.get(inp["key"], inp["key"])
        ops.append(
            Operation(op.index, op.process, op.f, inp, op.output, op.call, op.ret, op.outcome)
        )
    return History(tuple(ops))


def _crowded_plus_illegal() -> History:
    """A crowded linearizable key and a small illegal one the search must refute."""
    hot = kv_history(3, 1500, 50, keys=1, appends=False, overlap=2.0)
    bad = mutate(1, kv_history(2, 40, 3, keys=1, appends=False), "stale-read")
    assert bad is not None
    ops = list(hot.operations)
    for op in bad.operations:
        inp = {**op.input, "key": "cold"}
        ops.append(
            Operation(len(ops), f"c{op.process}", op.f, inp, op.output, op.call, op.ret, op.outcome)
        )
    return History(tuple(_rename(History(tuple(ops)), {"0": "hot"}).operations))


def test_an_illegal_part_is_found_whatever_order_the_keys_come_in() -> None:
    h = _crowded_plus_illegal()
    for names in ({}, {"cold": "a-cold", "hot": "z-hot"}, {"cold": "z-cold", "hot": "a-hot"}):
        r = check(_rename(h, names), KvModel(), prechecks=False, heuristics=False, max_steps=10**6)
        assert r.verdict is Verdict.ILLEGAL
        assert r.failing is not None
        assert "cold" in r.failing.label
        assert r.steps < 50_000  # the crowded key got only small slices before the refutation


def test_every_part_is_reported_decided_or_unknown() -> None:
    h = _crowded_plus_illegal()
    r = check(h, KvModel(), prechecks=False, heuristics=False, max_steps=10**6)
    assert len(r.partitions) == r.total_partitions == 2
    verdicts = {p.label: p.verdict for p in r.partitions}
    assert verdicts == {"key 'cold'": Verdict.ILLEGAL, "key 'hot'": Verdict.UNKNOWN}


def test_max_steps_gives_the_same_unknown_on_every_run() -> None:
    h = register_history(1, 3000, 50, cas=True, overlap=1.0)
    runs = [check(h, CasRegisterModel(), max_steps=20_000, heuristics=False) for _ in range(2)]
    assert {r.verdict for r in runs} == {Verdict.UNKNOWN}
    assert runs[0].steps == runs[1].steps
    assert 20_000 <= runs[0].steps < 20_000 + 8192 * 2
    assert runs[0].partitions[0].linearization == runs[1].partitions[0].linearization


def test_partition_steps_caps_each_search_and_ok_needs_every_part() -> None:
    h = kv_history(5, 400, 5, keys=4)
    assert check(h, KvModel(), partition_steps=10**6).verdict is Verdict.OK
    crowded = register_history(1, 3000, 50, cas=True, overlap=1.0)
    r = check(crowded, CasRegisterModel(), partition_steps=5000, heuristics=False)
    assert r.verdict is Verdict.UNKNOWN
    assert r.steps < 5000 + 8192 * 2
