"""The store lab's checks: groups of conformance rules, the model test, a seeded workload.

Each function takes the student's factory and a seed, returns a trace, raises AssertionError.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

import trio
import trio.testing
from hypothesis import HealthCheck, settings

from kernel.conformance import (
    _store_checks_history,
    _store_checks_kv,
    _store_checks_lease,
    _store_checks_txn,
    _store_checks_watch,
)
from kernel.conformance.store import check_store
from kernel.conformance.store_model import StoreModel, run_store_model_test
from kernel.exception_groups import first_leaf
from kernel.interfaces.store import ALL_KEYS_FROM, Compare, DeleteOp, PutOp, RangeOp, StoreError
from labs.kit.debug import replay_hint, save_page
from labs.store.recording import CallLog, recorded

Factory = Callable[..., Any]


def _conformance(factory: Factory, names: list[str]) -> Any:
    async def main() -> Any:
        return await check_store(factory, only=names)

    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def _rules(module: Any, factory: Factory) -> list[str]:
    names = [c.name for c in module.CHECKS]
    report = _conformance(factory, names)
    failures = report.failures
    if failures:
        first = failures[0]
        log = CallLog()  # rerun the first failing rule alone, recording its calls for the page
        _conformance(recorded(factory, log), [first.name])
        save_page(log.page_data(f"store check {first.name}", first.message, replay_hint()))
        more = f" (and {len(failures) - 1} more: {', '.join(f.name for f in failures[1:])})"
        raise AssertionError(
            f"rule {first.name} broken: {first.message}" + (more if len(failures) > 1 else "")
        )
    return [f"{r.name} {r.outcome}" for r in report.results]


def kv_rules(factory: Factory, seed: int) -> list[str]:  # noqa: ARG001
    """Revision, per-key metadata, ranges, limits and deletes."""
    return _rules(_store_checks_kv, factory)


def history_rules(factory: Factory, seed: int) -> list[str]:  # noqa: ARG001
    """Reads at old revisions and compaction."""
    return _rules(_store_checks_history, factory)


def txn_rules(factory: Factory, seed: int) -> list[str]:  # noqa: ARG001
    """Compares, branches, atomicity and duplicate keys."""
    return _rules(_store_checks_txn, factory)


def watch_rules(factory: Factory, seed: int) -> list[str]:  # noqa: ARG001
    """Watch order, replay from a revision, no gaps or duplicates."""
    return _rules(_store_checks_watch, factory)


def lease_rules(factory: Factory, seed: int) -> list[str]:  # noqa: ARG001
    """Lease grant, keepalive, revoke and expiry in virtual time."""
    return _rules(_store_checks_lease, factory)


def model_test(factory: Factory, seed: int) -> list[str]:  # noqa: ARG001
    """Hypothesis' random request sequences compared with `StoreModel` (derandomized)."""
    log = CallLog()
    try:
        _model_test(recorded(factory, log))
    except Exception as exc:  # hypothesis replays the shrunk example last: the log holds it
        save_page(log.page_data("store model test", str(first_leaf(exc))[:2000], replay_hint()))
        raise
    return ["model ok"]


def _model_test(factory: Factory) -> None:
    run_store_model_test(
        factory,
        test_settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


_KEYS = (b"a", b"ab", b"b", b"c")


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", call()
    except StoreError as exc:
        return "error", type(exc).__name__


async def _aoutcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", await call()
    except StoreError as exc:
        return "error", type(exc).__name__


def _request(rng: random.Random) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """One seeded request: (method, args, kwargs)."""
    key = rng.choice(_KEYS)
    kind = rng.choice(["put", "put", "range", "delete", "txn", "range_at"])
    if kind == "put":
        return "put", (key, rng.choice([b"x", b"y", b""])), {"prev_kv": rng.random() < 0.5}
    if kind == "range":
        return "range", (key, rng.choice([None, ALL_KEYS_FROM])), {"limit": rng.randint(0, 2)}
    if kind == "range_at":
        return "range", (b"a", ALL_KEYS_FROM), {"revision": rng.randint(1, 6)}
    if kind == "delete":
        return "delete_range", (key, rng.choice([None, ALL_KEYS_FROM])), {"prev_kv": True}
    compare = Compare(key, "version", rng.choice(["=", ">"]), rng.randint(0, 2))
    success = (PutOp(key, b"t"), RangeOp(key))
    failure = (DeleteOp(rng.choice(_KEYS)),)
    return "txn", ([compare], success, failure), {}


def seeded_workload(factory: Factory, seed: int) -> list[str]:
    """60 seeded requests sent to the store and to `StoreModel`; every answer must match."""
    rng = random.Random(seed)
    requests = [_request(rng) for _ in range(60)]
    model = StoreModel()
    trace: list[str] = []
    log = CallLog()
    store_factory = recorded(factory, log)

    async def main() -> None:
        async with store_factory() as store:
            for i, (method, args, kwargs) in enumerate(requests):
                want = _outcome(functools.partial(getattr(model, method), *args, **kwargs))
                got = await _aoutcome(functools.partial(getattr(store, method), *args, **kwargs))
                call = f"{method}{args!r} {kwargs!r}"
                if got != want:
                    why = f"request {i + 1}: model answered {want!r}"
                    save_page(
                        log.page_data(f"store seeded workload, seed {seed}", why, replay_hint())
                    )
                    raise AssertionError(
                        f"request {i + 1} of seed {seed}: {call}\n"
                        f"  model: {want!r}\n  store: {got!r}"
                    )
                trace.append(f"{call} -> {got!r}")

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    return trace
