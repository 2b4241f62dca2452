"""Grading: every check of a lab in its own subprocess with a hard kill, scored and reported."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs

from labs.kit.child import RESULT_MARK
from labs.kit.debug import PAGE_ENV, REPLAY_ENV, default_debug_dir
from labs.kit.lab import Check, Lab

HASH_SEEDS = ("1", "2")
"""The two PYTHONHASHSEED values a deterministic check runs under."""


@attrs.frozen
class CheckOutcome:
    """How one check went, with its replay command."""

    name: str
    points: int
    earned: int
    outcome: str
    """pass, fail, timeout, nondeterministic or error."""
    seconds: float
    message: str
    claim: str
    hint: str
    replay: str
    page: str = ""
    """The debugger page of a failing check ("" when the check wrote none)."""

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return attrs.asdict(self)


@attrs.frozen
class GradeReport:
    """A lab's grade for one implementation."""

    lab: str
    impl: str
    seed: int
    checks: tuple[CheckOutcome, ...]

    @property
    def earned(self) -> int:
        """Points earned."""
        return sum(c.earned for c in self.checks)

    @property
    def points(self) -> int:
        """Points available."""
        return sum(c.points for c in self.checks)

    @property
    def full_marks(self) -> bool:
        """True when every check passed."""
        return self.earned == self.points

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "lab": self.lab,
            "impl": self.impl,
            "seed": self.seed,
            "earned": self.earned,
            "points": self.points,
            "checks": [c.as_json() for c in self.checks],
        }

    def table(self) -> str:
        """A score table; every failure with its claim, message, hint and replay command."""
        width = max([len(c.name) for c in self.checks] + [5])
        lines = [f"{'check':{width}}  points  result             time"]
        lines.extend(
            f"{c.name:{width}}  {c.earned:>2}/{c.points:<3}  {c.outcome:17}  {c.seconds:5.1f}s"
            for c in self.checks
        )
        lines.append(f"{'total':{width}}  {self.earned}/{self.points}")
        for c in self.checks:
            if c.outcome != "pass":
                lines.append("")
                lines.append(f"FAILED {c.name}: {c.claim}")
                lines.extend(f"  {line}" for line in c.message.splitlines()[:12])
                lines.append(f"  hint: {c.hint}")
                lines.append(f"  replay: {c.replay}")
                if c.page:
                    lines.append(f"  debugger: file://{c.page}")
        return "\n".join(lines)


def replay_command(lab: Lab, check: Check, impl: str | None, seed: int) -> str:
    """The command that reruns just this check."""
    impl_arg = f" --impl {impl}" if impl else ""
    return f"kubelab lab grade {lab.name}{impl_arg} --seed {seed} --only {check.name}"


def page_path(debug_dir: Path, lab: Lab, check: Check, seed: int) -> Path:
    """Where the debugger page of this check and seed goes."""
    return debug_dir / f"{lab.name}-{check.name}-seed{seed}.html"


def _child_env(hash_seed: str, page: Path, replay: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = hash_seed
    env[PAGE_ENV] = str(page)
    env[REPLAY_ENV] = replay
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_child(  # noqa: PLR0917 - one child's full description
    lab: Lab, check: Check, impl: str | None, seed: int, hash_seed: str, page: Path
) -> tuple[dict[str, Any], float]:
    """Run one check in a fresh process (its own session, killed whole at the budget)."""
    impl_arg = "-" if impl is None else str(Path(impl).resolve()) if Path(impl).is_dir() else impl
    cmd = [sys.executable, "-m", "labs.kit.child", lab.name, check.name, impl_arg, str(seed)]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(hash_seed, page, replay_command(lab, check, impl, seed)),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=check.budget_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        message = f"killed after its budget of {check.budget_s:g} s (a busy loop or a deadlock?)"
        return {"outcome": "timeout", "message": message, "digest": ""}, time.monotonic() - start
    elapsed = time.monotonic() - start
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :]), elapsed
    tail = "\n".join((err or out).strip().splitlines()[-8:])
    return {
        "outcome": "error",
        "message": f"the check's process died (exit {proc.returncode}) before reporting:\n{tail}",
        "digest": "",
    }, elapsed


def grade_check(
    lab: Lab, check: Check, impl: str | None, seed: int, debug_dir: Path
) -> CheckOutcome:
    """Run and score one check (twice, under two hash seeds, when it is deterministic)."""
    page = page_path(debug_dir, lab, check, seed)
    page.unlink(missing_ok=True)
    record, seconds = run_child(lab, check, impl, seed, HASH_SEEDS[0], page)
    if record["outcome"] == "pass" and check.deterministic:
        again, more = run_child(lab, check, impl, seed, HASH_SEEDS[1], page)
        seconds += more
        if again["outcome"] != "pass":
            record = again
        elif again["digest"] != record["digest"]:
            record = {
                "outcome": "nondeterministic",
                "message": (
                    f"seed {seed} gave different traces under PYTHONHASHSEED={HASH_SEEDS[0]} and"
                    f" {HASH_SEEDS[1]} (iterating a set or dict of hashed keys? unseeded random?)"
                ),
                "digest": "",
            }
    passed = record["outcome"] == "pass"
    return CheckOutcome(
        name=check.name,
        points=check.points,
        earned=check.points if passed else 0,
        outcome=record["outcome"],
        seconds=round(seconds, 2),
        message=record["message"],
        claim=check.claim,
        hint=check.hint,
        replay=replay_command(lab, check, impl, seed),
        page=str(page) if not passed and page.is_file() else "",
    )


def grade(
    lab: Lab,
    impl: str | None,
    *,
    seed: int = 0,
    only: tuple[str, ...] = (),
    debug_dir: Path | None = None,
) -> GradeReport:
    """Grade `impl` (None: the reference) on every check of `lab`, or those named in `only`.

    Failing checks write their debugger pages into `debug_dir` (default: a temp folder).
    """
    checks = [lab.check(n) for n in only] if only else list(lab.checks)
    folder = default_debug_dir() if debug_dir is None else debug_dir
    outcomes = tuple(grade_check(lab, c, impl, seed, folder) for c in checks)
    return GradeReport(lab=lab.name, impl=impl or lab.reference, seed=seed, checks=outcomes)
