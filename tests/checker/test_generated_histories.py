"""Histories generated from a sequential execution are linearizable; known mutations are not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fault_injection.checker import CasRegisterModel, KvModel, Verdict, check, replay
from fault_injection.checker._brute import brute_force_linearizable
from fault_injection.checker._generate import kv_history, mutate, register_history

seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=200, deadline=None)
@given(seeds, st.integers(1, 60), st.integers(1, 8), st.sampled_from([0.0, 0.2]))
def test_generated_register_history_is_linearizable(
    seed: int, n: int, clients: int, p_info: float
) -> None:
    h = register_history(seed, n, clients, cas=True, p_info=p_info, overlap=0.3)
    assert check(h, CasRegisterModel(), timeout=20).verdict is Verdict.OK


@settings(max_examples=150, deadline=None)
@given(seeds, st.integers(1, 300), st.integers(1, 20), st.booleans())
def test_generated_kv_history_is_linearizable(
    seed: int, n: int, clients: int, appends: bool
) -> None:
    h = kv_history(seed, n, clients, keys=8, appends=appends, p_info=0.1)
    assert check(h, KvModel(), timeout=20).verdict is Verdict.OK


@settings(max_examples=300, deadline=None)
@given(seeds, st.integers(2, 8), st.sampled_from(["never-written", "stale-read"]), st.booleans())
def test_mutated_register_history_is_illegal(seed: int, n: int, kind: str, prechecks: bool) -> None:
    h = mutate(seed, register_history(seed, n, 3, values=3, overlap=0.5), kind)
    if h is None:
        return
    result = check(h, CasRegisterModel(), prechecks=prechecks)
    assert result.verdict is Verdict.ILLEGAL
    assert brute_force_linearizable(h, CasRegisterModel()) is False
    assert result.failing is not None
    assert result.failing.reason


@settings(max_examples=150, deadline=None)
@given(seeds, st.integers(2, 200), st.sampled_from(["never-written", "stale-read", "lost-append"]))
def test_mutated_kv_history_is_illegal(seed: int, n: int, kind: str) -> None:
    h = mutate(seed, kv_history(seed, n, 5, keys=3, appends=kind != "stale-read"), kind)
    if h is None:
        return
    result = check(h, KvModel())
    assert result.verdict is Verdict.ILLEGAL
    assert result.failing is not None
    assert result.failing.label.startswith("key ")


def test_timeout_gives_unknown_never_ok() -> None:
    h = register_history(1, 3000, 50, cas=True, overlap=1.0)
    result = check(h, CasRegisterModel(), timeout=0.05)
    assert result.verdict is Verdict.UNKNOWN
    assert not result.ok


@settings(max_examples=100, deadline=None)
@given(seeds, st.integers(5, 40))
def test_counterexample_prefix_replays_and_blocking_op_is_unplaced(seed: int, n: int) -> None:
    h = mutate(seed, register_history(seed, n, 4, values=3, overlap=0.5), "stale-read")
    if h is None:
        return
    part = check(h, CasRegisterModel(), prechecks=False).failing
    assert part is not None
    assert part.verdict is Verdict.ILLEGAL
    ops = {op.index: op for op in h.operations}
    assert len(replay(CasRegisterModel(), [ops[i] for i in part.linearization])) == len(
        part.linearization
    )
    assert part.blocking is not None
    assert part.blocking not in part.linearization
