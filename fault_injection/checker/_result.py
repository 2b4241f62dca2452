"""Verdicts: per partition and for a whole history, with the counterexample of an illegal one."""

from __future__ import annotations

import enum

import attrs

from fault_injection.checker._history import Operation


class Verdict(enum.Enum):
    """The answer. `UNKNOWN` (time limit) is never a pass."""

    OK = "ok"
    ILLEGAL = "illegal"
    UNKNOWN = "unknown"


@attrs.frozen
class PartitionResult:
    """The verdict on one independent part of the history (one key, or the whole history)."""

    label: str
    """What the part is, e.g. ``key 'x'``; empty when the model does not partition."""
    verdict: Verdict
    operations: tuple[Operation, ...]
    """The part's operations (without `fail` ones), in invocation order."""
    linearization: tuple[int, ...]
    """Op indices (`Operation.index`) in linearization order: complete for `ok`, the longest
    linearizable prefix found for `illegal`/`unknown`."""
    candidates: tuple[int, ...] = ()
    """`illegal`: op indices that could come next after the prefix, none of which fits."""
    blocking: int | None = None
    """`illegal`: the op index whose return came before it could be placed."""
    steps: int = 0
    """Model steps the search took."""
    reason: str = ""
    """One sentence explaining an `illegal` verdict."""
    precheck: bool = False
    """True when a model-specific rule (not the search) decided `illegal`."""


@attrs.frozen
class CheckResult:
    """The verdict on a history and its parts.

    `ILLEGAL` if any part is, else `UNKNOWN` if any part ran out of budget, else `OK`. Checking
    stops at the first illegal part; parts not decided by then are listed as `UNKNOWN`.
    """

    verdict: Verdict
    partitions: tuple[PartitionResult, ...]
    steps: int
    """Model steps over all parts."""
    elapsed: float
    """Wall-clock seconds spent."""
    model: str
    total_partitions: int

    @property
    def ok(self) -> bool:
        """True only for a proven linearizable history."""
        return self.verdict is Verdict.OK

    @property
    def failing(self) -> PartitionResult | None:
        """The first illegal (else first unknown) part, or `None`."""
        for want in (Verdict.ILLEGAL, Verdict.UNKNOWN):
            for p in self.partitions:
                if p.verdict is want:
                    return p
        return None

    def summary(self) -> str:
        """The CLI's verdict line plus a short reason."""
        head = {
            Verdict.OK: "linearizable",
            Verdict.ILLEGAL: "not linearizable",
            Verdict.UNKNOWN: "unknown",
        }[self.verdict]
        p = self.failing
        if self.verdict is Verdict.OK:
            n_ops = sum(len(x.operations) for x in self.partitions)
            return (
                f"{head}: {n_ops} operations in {self.total_partitions} part(s), "
                f"{self.steps} steps, {self.elapsed:.3f}s"
            )
        assert p is not None
        where = f" in {p.label}" if p.label else ""
        if self.verdict is Verdict.UNKNOWN:
            return (
                f"{head}: budget (time or steps) reached{where} after {self.steps} steps "
                f"({len(p.linearization)} of {len(p.operations)} operations placed)"
            )
        return f"{head}{where}: {p.reason}"
