"""`kubelab bench checker`: the search on generated histories, beside the plain search.

Cases: linearizable register and KV histories (1k to 100k operations, 5 to 50 clients) and
adversarial ones. Each case runs the full checker (prechecks and heuristics on) and, in the
same run, a baseline: the plain Wing & Gong / Lowe search with memo (porcupine's algorithm,
prechecks and heuristics off), or brute force on tiny histories. Medians over `--repeats`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import attrs
import typer

from kernel.cli.errors import UserError


@attrs.frozen
class Case:
    """One benchmark row: how to build the history, the model, and the baseline to run."""

    name: str
    build: Callable[[], object]
    model: str
    baseline: str
    """`plain` (search without prechecks/heuristics), `brute` (brute force) or `sequential`
    (the full checker, but parts checked one by one in key order: the old behaviour)."""


@attrs.frozen
class Timing:
    """Median wall time, steps and verdict of one checker configuration on one case."""

    seconds: float
    steps: int
    verdict: str


def cases(quick: bool) -> list[Case]:
    """The benchmark's cases (`quick`: the small ones only)."""
    from fault_injection.checker._generate import (
        adversarial_register_history,
        kv_history,
        register_history,
    )

    out = [
        Case(
            "register 10 ops / 3 clients",
            lambda: register_history(1, 10, 3, cas=True, p_info=0.2),
            "cas-register",
            "brute",
        ),
        Case("illegal register 11 ops / 11 clients", _small_illegal, "register", "brute"),
        Case("kv 1k ops / 5 clients", lambda: kv_history(1, 1000, 5), "kv", "plain"),
        Case("kv 10k ops / 50 clients", lambda: kv_history(2, 10_000, 50), "kv", "plain"),
        Case(
            "register 1k ops / 5 clients",
            lambda: register_history(3, 1000, 5, cas=True),
            "cas-register",
            "plain",
        ),
        Case(
            "register 10k ops / 20 clients",
            lambda: register_history(4, 10_000, 20, cas=True, overlap=0.3),
            "cas-register",
            "plain",
        ),
        Case(
            "adversarial register 200 ops / 20 clients",
            lambda: adversarial_register_history(5, 200, 20),
            "register",
            "plain",
        ),
    ]
    out += [
        Case(
            f"kv 4k ops / 50 clients, illegal key {where}",
            lambda where=where: _one_illegal_key(where),
            "kv",
            "sequential",
        )
        for where in ("first", "last")
    ]
    out.append(
        Case(
            "crowded register 3k ops / 50 clients",
            lambda: register_history(9, 3000, 50, cas=True, overlap=1.0),
            "cas-register",
            "plain",
        )
    )
    if not quick:
        out += [
            Case("kv 100k ops / 50 clients", lambda: kv_history(6, 100_000, 50), "kv", "plain"),
            Case(
                "register 10k ops / 50 clients",
                lambda: register_history(7, 10_000, 50, cas=True, overlap=0.05),
                "cas-register",
                "plain",
            ),
            Case(
                "register 100k ops / 10 clients",
                lambda: register_history(8, 100_000, 10, cas=True, overlap=0.3),
                "cas-register",
                "plain",
            ),
        ]
    return out


def _small_illegal() -> object:
    """A stale read among 11 fully concurrent writes: brute force must try every order."""
    from fault_injection.checker._generate import mutate, register_history

    return mutate(0, register_history(0, 11, 11, values=11, overlap=3.0), "stale-read")


def _one_illegal_key(where: str) -> object:
    """4,000 KV operations by 50 clients on 4 crowded keys, one with a stale read.

    The keys are renamed so that the illegal one sorts `first` or `last` among the parts.
    """
    from fault_injection.checker._generate import kv_history, mutate
    from fault_injection.checker._history import History, Operation

    h = mutate(1, kv_history(1, 4000, 50, keys=4, appends=False, overlap=2.0), "stale-read")
    assert h is not None
    bad = h.operations[-1].input["key"]
    prefix = "a" if where == "first" else "z"
    ops = []
    for op in h.operations:
        key = op.input["key"]
        inp = {**op.input, "key": f"{prefix}{key}" if key == bad else f"m{key}"}
        ops.append(
            Operation(op.index, op.process, op.f, inp, op.output, op.call, op.ret, op.outcome)
        )
    return History(tuple(ops))


def _sequential(history: object, model: object, timeout: float) -> tuple[int, str]:
    """The parts one by one in key order, stopping at the first illegal one (old behaviour)."""
    from fault_injection.checker._check import check_partition
    from fault_injection.checker._history import Outcome

    deadline = time.perf_counter() + timeout
    live = [op for op in history.operations if op.outcome is not Outcome.FAIL]  # type: ignore[attr-defined]
    steps, verdict = 0, "ok"
    for label, part in model.partition(live):  # type: ignore[attr-defined]
        res = check_partition(label, part, model, deadline=deadline)  # type: ignore[arg-type]
        steps += res.steps
        if res.verdict.value == "illegal":
            return steps, "illegal"
        if res.verdict.value == "unknown":
            verdict = "unknown"
    return steps, verdict


def run_one(
    history: object, model_name: str, how: str, timeout: float, max_steps: int | None = None
) -> tuple[float, int, str]:
    """Time one check: `fast` (default checker), `plain`, `brute` or `sequential`."""
    from fault_injection.checker._brute import brute_force_linearizable
    from fault_injection.checker._check import check
    from fault_injection.checker._models import model_named

    model = model_named(model_name)
    start = time.perf_counter()
    if how == "brute":
        ok = brute_force_linearizable(history, model)  # type: ignore[arg-type]
        return time.perf_counter() - start, 0, "ok" if ok else "illegal"
    if how == "sequential":
        steps, verdict = _sequential(history, model, timeout)
        return time.perf_counter() - start, steps, verdict
    plain = how == "plain"
    res = check(
        history,
        model,
        timeout=timeout,
        prechecks=not plain,  # type: ignore[arg-type]
        heuristics=not plain,
        max_steps=max_steps,
    )
    return time.perf_counter() - start, res.steps, res.verdict.value


def measure(  # noqa: PLR0917 - private to the command
    history: object, model: str, how: str, repeats: int, timeout: float, max_steps: int | None
) -> Timing:
    """Median over `repeats` runs."""
    runs = [run_one(history, model, how, timeout, max_steps) for _ in range(repeats)]
    return Timing(statistics.median(r[0] for r in runs), runs[0][1], runs[0][2])


def _fmt_rate(t: Timing) -> str:
    if not t.steps:
        return "-"
    return f"{t.steps / t.seconds / 1e6:.2f}M/s {t.seconds / t.steps * 1e6:.2f}us"


def register(app: typer.Typer) -> None:
    """Add `kubelab bench checker`."""

    @app.command("checker")
    def bench_checker(
        repeats: int = typer.Option(3, "--repeats", help="Runs per case; medians reported."),
        timeout: float = typer.Option(10.0, "--timeout", help="Per-check limit (seconds)."),
        quick: bool = typer.Option(False, "--quick", help="Small cases only."),
        max_steps: int | None = typer.Option(
            None, "--max-steps", help="Step budget per check (deterministic 'unknown')."
        ),
        only: str | None = typer.Option(None, "--only", help="Cases whose name contains TEXT."),
    ) -> None:
        """Checker speed: wall time, search steps, steps/s, against the plain search."""
        if repeats < 1:
            raise UserError("--repeats must be at least 1")
        if max_steps is not None and max_steps < 1:
            raise UserError("--max-steps must be a positive number of steps")
        rows = []
        todo = [c for c in cases(quick) if only is None or only in c.name]
        if not todo:
            raise UserError(f"--only {only!r} matches no case")
        for k, case in enumerate(todo, 1):
            typer.echo(f"[{k}/{len(todo)}] {case.name}: generating", err=True)
            history = case.build()
            typer.echo(f"[{k}/{len(todo)}] {case.name}: checker", err=True)
            fast = measure(history, case.model, "fast", repeats, timeout, max_steps)
            typer.echo(f"[{k}/{len(todo)}] {case.name}: baseline ({case.baseline})", err=True)
            base = measure(history, case.model, case.baseline, repeats, timeout, max_steps)
            rows.append((case, fast, base))
        head = (
            f"{'case':<42} {'checker':>9} {'verdict':>8} {'steps':>9} {'rate':>17}  "
            f"{'baseline':>9} {'verdict':>8} {'steps':>9} {'rate':>17} {'speedup':>8}"
        )
        typer.echo(head)
        for case, fast, base in rows:
            cut = "" if base.verdict != "unknown" else ">"
            typer.echo(
                f"{case.name:<42} {fast.seconds:>8.4f}s {fast.verdict:>8} {fast.steps:>9} "
                f"{_fmt_rate(fast):>17}  {base.seconds:>8.4f}s {base.verdict:>8} "
                f"{base.steps:>9} {_fmt_rate(base):>17} "
                f"{cut}{base.seconds / fast.seconds:>7.1f}x"
            )
        typer.echo(
            f"medians of {repeats} run(s); baseline 'plain' = Wing & Gong + Lowe + memo "
            f"without prechecks or heuristics; 'brute' = every real-time order; "
            f"'sequential' = parts one by one in key order; "
            f"timeout {timeout:g}s per check ('>' = baseline hit it)"
        )
