"""A store wrapper that records every call and its answer, for the debugger page of a check."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fault_injection.chaos.report import compact

_CALLS = {
    "range",
    "put",
    "delete_range",
    "txn",
    "compact",
    "lease_grant",
    "lease_keepalive",
    "lease_revoke",
    "lease_time_to_live",
    "status",
}


class CallLog:
    """Every store call of one check, in order: (method, args, answer, outcome)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, str]] = []

    def page_data(self, title: str, reason: str, replay: str) -> dict[str, Any]:
        """Debugger data: the client and the store as two lanes, one arrow pair per call."""
        events: list[dict[str, Any]] = []
        ops: list[dict[str, Any]] = []
        last = len(self.calls) - 1
        for i, (method, args, answer, outcome) in enumerate(self.calls):
            ask = {"type": method, "label": f"{method}{args}", "id": f"q{i}"}
            reply = {"type": method, "label": answer, "id": f"r{i}"}
            events += [
                {**ask, "t": float(i), "kind": "send", "node": "client", "dst": "store"},
                {**ask, "t": i + 0.4, "kind": "deliver", "node": "store", "src": "client"},
                {**reply, "t": i + 0.45, "kind": "send", "node": "store", "dst": "client"},
                {**reply, "t": i + 0.85, "kind": "deliver", "node": "client", "src": "store"},
            ]
            ops.append(
                {
                    "index": i,
                    "process": "check",
                    "f": method,
                    "input": args,
                    "output": answer,
                    "call": float(i),
                    "ret": i + 0.85,
                    "outcome": outcome,
                    "culprit": i == last,
                }
            )
        return {
            "title": title,
            "verdict": "fail",
            "reason": reason,
            "replay": replay,
            "nodes": ["client", "store"],
            "events": events,
            "faults": [],
            "ops": ops,
            "culprit_label": "red: the last call before the check failed",
        }


class _Recorded:
    def __init__(self, inner: Any, log: CallLog) -> None:
        self._inner = inner
        self._log = log

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in _CALLS:
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            shown = compact([*args, *(f"{k}={v!r}" for k, v in kwargs.items())])
            try:
                result = await attr(*args, **kwargs)
            except Exception as exc:
                self._log.calls.append((name, shown, f"{type(exc).__name__}: {exc}", "fail"))
                raise
            self._log.calls.append((name, shown, repr(result), "ok"))
            return result

        return call


def recorded(factory: Callable[..., Any], log: CallLog) -> Callable[..., Any]:
    """`factory`, with each store it opens logging its calls into `log`."""

    @asynccontextmanager
    async def open_recorded(**options: Any) -> AsyncIterator[Any]:
        log.calls.clear()  # one page shows one store's life (the last one opened)
        async with factory(**options) as store:
            yield _Recorded(store, log)

    return open_recorded
