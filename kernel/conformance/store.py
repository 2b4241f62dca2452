"""The Store conformance suite: every rule of `kernel.interfaces.store`, as a library.

The memory store, the Raft store, a real etcd and every student store run exactly these checks.
Two ways to run them, after trio's ``check_two_way_stream(maker)``:

* all at once, as a report::

      report = await check_store(open_my_store)
      print(report.summary())
      report.raise_on_failure()

* one pytest test per rule (in a pytest-trio test file)::

      @pytest.mark.parametrize("check", store_conformance_params())
      async def test_store_conformance(check: StoreCheck, autojump_clock: MockClock) -> None:
          await check.run(open_my_store)

`open_my_store` is any zero-argument callable returning an async context manager that yields a
`Store` (a `StoreOpener`); pass options with `functools.partial`. Each check opens its own
store. With ``fresh_stores=False`` (one long-lived store, e.g. a shared etcd) the few checks that
need an empty store are skipped; the rest use only keys under their own prefix and relative
revisions. Lease checks sleep in trio time: use a `MockClock` with autojump for in-process
stores, real time (a few seconds per lease check) for real servers.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import attrs

from kernel.conformance import (
    _store_checks_history,
    _store_checks_kv,
    _store_checks_lease,
    _store_checks_txn,
    _store_checks_watch,
)
from kernel.conformance._store_kit import (
    CHECK_PREFIX,
    CheckContext,
    StoreCheck,
    StoreConformanceError,
    StoreOpener,
)

STORE_CHECKS: tuple[StoreCheck, ...] = (
    *_store_checks_kv.CHECKS,
    *_store_checks_history.CHECKS,
    *_store_checks_txn.CHECKS,
    *_store_checks_watch.CHECKS,
    *_store_checks_lease.CHECKS,
)
"""Every check of the Store contract, in a stable order (names are stable identifiers)."""

Outcome = Literal["pass", "fail", "error", "skip"]


@attrs.frozen
class CheckResult:
    """How one check went."""

    name: str
    rule: str
    outcome: Outcome
    """`fail`: the store broke the rule; `error`: the check crashed (an unexpected exception)."""
    message: str = ""


@attrs.frozen
class ConformanceReport:
    """Results of `check_store`, one per check, in `STORE_CHECKS` order."""

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """True when no check failed or crashed (skipped checks do not count against)."""
        return all(r.outcome in ("pass", "skip") for r in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """The checks that failed or crashed."""
        return tuple(r for r in self.results if r.outcome in ("fail", "error"))

    def counts(self) -> dict[Outcome, int]:
        """Number of checks per outcome."""
        counts: dict[Outcome, int] = {"pass": 0, "fail": 0, "error": 0, "skip": 0}
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    def summary(self) -> str:
        """A human-readable report: one line per check, failures with their message."""
        lines = []
        for r in self.results:
            lines.append(f"{r.outcome.upper():5} {r.name}: {r.rule}")
            if r.outcome in ("fail", "error", "skip"):
                lines.extend(f"      {line}" for line in r.message.splitlines())
        counts = self.counts()
        lines.append(", ".join(f"{n} {outcome}" for outcome, n in counts.items()))
        return "\n".join(lines)

    def raise_on_failure(self) -> None:
        """Raise `StoreConformanceError` listing every failed check, if any failed."""
        if not self.passed:
            detail = "\n".join(f"{r.name}: {r.message}" for r in self.failures)
            raise StoreConformanceError(
                f"{len(self.failures)} store conformance check(s) failed:\n{detail}"
            )


def select_checks(names: Iterable[str] | None = None) -> tuple[StoreCheck, ...]:
    """The checks named in `names` (all when None); an unknown name is a `ValueError`."""
    if names is None:
        return STORE_CHECKS
    by_name = {c.name: c for c in STORE_CHECKS}
    wanted = list(names)
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ValueError(f"unknown store check(s) {unknown}; known: {sorted(by_name)}")
    return tuple(by_name[n] for n in wanted)


async def check_store(
    open_store: StoreOpener,
    *,
    fresh_stores: bool = True,
    time_scale: float = 1.0,
    lease_ttl: int = 2,
    only: Sequence[str] | None = None,
) -> ConformanceReport:
    """Run every store check (or those named in `only`) and report pass/fail per rule.

    `open_store()` is entered once per check. `fresh_stores=False` says it yields a long-lived
    store that is not empty: checks that need an empty store are then skipped. `time_scale`
    multiplies every wait (use more than 1 for slow or remote stores); `lease_ttl` is the TTL
    the lease checks request. Must be called under trio.
    """
    results = []
    for check in select_checks(only):
        if check.fresh_store and not fresh_stores:
            results.append(
                CheckResult(check.name, check.rule, "skip", "needs a fresh, empty store")
            )
            continue
        try:
            await check.run(open_store, time_scale=time_scale, lease_ttl=lease_ttl)
        except StoreConformanceError as exc:
            results.append(CheckResult(check.name, check.rule, "fail", str(exc)))
        except Exception as exc:  # a crashing check is reported, not raised
            message = "".join(traceback.format_exception_only(exc)).strip()
            results.append(CheckResult(check.name, check.rule, "error", message))
        else:
            results.append(CheckResult(check.name, check.rule, "pass"))
    return ConformanceReport(tuple(results))


def store_conformance_params(
    *, fresh_stores: bool = True, only: Sequence[str] | None = None
) -> list[Any]:
    """`pytest.param`s, one per check with its name as id, for ``@pytest.mark.parametrize``.

    With ``fresh_stores=False`` the checks needing an empty store are marked skipped.
    Imports pytest lazily, so the rest of this module works without it.
    """
    import pytest

    params = []
    for check in select_checks(only):
        marks = []
        if check.fresh_store and not fresh_stores:
            marks.append(pytest.mark.skip(reason="needs a fresh, empty store"))
        params.append(pytest.param(check, id=check.name, marks=marks))
    return params


__all__ = [
    "CHECK_PREFIX",
    "STORE_CHECKS",
    "CheckContext",
    "CheckResult",
    "ConformanceReport",
    "StoreCheck",
    "StoreConformanceError",
    "StoreOpener",
    "check_store",
    "select_checks",
    "store_conformance_params",
]
