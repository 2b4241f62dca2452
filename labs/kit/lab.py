"""What a lab declares: its checks (points, budget, claim, hint) and where its pieces live."""

from __future__ import annotations

from pathlib import Path

import attrs


@attrs.frozen
class Check:
    """One graded claim: `target` ("module:function") is called in a child process.

    The target takes ``(impl, seed)`` (`impl` the student's factory) and returns a trace (a
    list of strings describing what happened) or raises `AssertionError` naming what failed.
    """

    name: str
    points: int
    claim: str
    """What passing proves, in one sentence (printed when it fails)."""
    hint: str
    """Where to look first when it fails, in one line."""
    target: str
    budget_s: float = 60.0
    """Wall-clock seconds before the child is killed (the check then scores 0)."""
    deterministic: bool = False
    """Also run under two PYTHONHASHSEED values; differing traces cost the check its points."""


@attrs.frozen
class Lab:
    """A lab: handout and skeleton in `folder`, the interface the student fills in, its checks."""

    name: str
    part: int
    title: str
    folder: Path
    impl_module: str
    """Module name of the student's file inside their folder (e.g. "mystore")."""
    impl_attr: str
    """The factory the grader calls (e.g. "open_my_store")."""
    reference: str
    """"module:attr" of the reference implementation (scores 100)."""
    checks: tuple[Check, ...]
    mutants: tuple[str, ...] = ()
    """"module:attr" of plausible buggy implementations each of which must lose points."""

    @property
    def points(self) -> int:
        """Total points of the lab."""
        return sum(c.points for c in self.checks)

    def check(self, name: str) -> Check:
        """The check called `name`; `KeyError` naming the known ones otherwise."""
        for check in self.checks:
            if check.name == name:
                return check
        known = [c.name for c in self.checks]
        raise KeyError(f"lab {self.name} has no check {name!r}; known: {known}")
