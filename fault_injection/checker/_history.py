"""Histories: operations with call/return times and outcomes, and how events pair into them.

A *history* is what clients observed: each operation was invoked at some time by one client
(a *process*) and then either completed (`ok`), definitely did not take effect (`fail`), or
ended indeterminately (`info`: it may have taken effect at any point after its call, so the
checker keeps it open to the end of the history and does not know its output).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs


class _Unknown:
    """Type of `UNKNOWN`: the output of an operation whose result nobody saw."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""Output of an indeterminate operation; a model's `step` must accept it in every state."""


class Outcome(enum.Enum):
    """How an operation ended, as the client saw it."""

    OK = "ok"
    """Completed; its output is known."""
    FAIL = "fail"
    """Definitely did not take effect; the checker ignores it."""
    INFO = "info"
    """Indeterminate: may have taken effect at any time after its call; output unknown."""


class HistoryError(ValueError):
    """A history (file or events) is malformed; the message names the source and line."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None) -> None:
        where = source or "history"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.reason = message


@attrs.frozen(eq=True, hash=False)
class Operation:
    """One client operation: what was asked, what came back, when, and how it ended."""

    index: int
    """Position in the history (order of invocation); stable id used in reports."""
    process: int | str
    """The client (Jepsen: process) that issued it; a client runs one operation at a time."""
    f: str
    """The function: `read`, `write`, `cas`, `get`, `put`, `append`, `txn`, ..."""
    input: Any
    """The argument, JSON-able; its shape depends on `f` and the model."""
    output: Any
    """The result for `ok` operations, `UNKNOWN` for `info` ones (and reads of unknown value)."""
    call: float
    """Time of invocation."""
    ret: float | None
    """Time the outcome was reported (`None` when the history ended before it came)."""
    outcome: Outcome
    error: str | None = None
    """Error text reported with a `fail` or `info` outcome, if any."""

    @property
    def definite(self) -> bool:
        """True for `ok` operations: they must appear in every linearization."""
        return self.outcome is Outcome.OK

    @property
    def deadline(self) -> float:
        """Latest time the operation may take effect: its return, or +inf when indeterminate."""
        if self.outcome is Outcome.OK and self.ret is not None:
            return self.ret
        return math.inf


@attrs.frozen
class Annotation:
    """A fault or other event drawn on the report's time axis (partition, crash, restart...)."""

    kind: str
    """Row label, e.g. `partition`, `crash`, `restart`, `clock-skew`."""
    start: float
    end: float | None = None
    """End time; `None` for an instantaneous event."""
    label: str = ""
    """Short text shown on the box (e.g. `n1 n2 | n3`)."""


@attrs.frozen
class History:
    """An ordered list of operations plus optional annotations and the model the writer named."""

    operations: tuple[Operation, ...]
    annotations: tuple[Annotation, ...] = ()
    model: str | None = None
    """Model named by the file's header, if any (`register`, `kv`, `store`, ...)."""
    source: str = ""
    """Where it came from (a file name), for messages."""

    def __len__(self) -> int:
        return len(self.operations)

    def __iter__(self) -> Any:
        return iter(self.operations)


EVENT_TYPES = ("invoke", "ok", "fail", "info")


def _number(value: Any, what: str, source: str, line: int | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise HistoryError(f"{what} must be a number, got {value!r}", source=source, line=line)
    return value


class HistoryAssembler:
    """Pairs invoke/completion events per process into `Operation`s, checking the protocol.

    Rules: a process has at most one operation in flight; a completion names a process with one
    in flight; times are numbers and a completion is not earlier than its invocation. A process
    whose operation ended `info` may invoke again (kubelab clients do; Jepsen uses a new id).
    An invocation still open at the end becomes `info` with `ret=None`.
    """

    def __init__(self, source: str = "") -> None:
        self.source = source
        self._open: dict[int | str, tuple[int, str, Any, float, int | None]] = {}
        self._ops: list[Operation | None] = []
        self._annotations: list[Annotation] = []

    def add(self, event: Mapping[str, Any], line: int | None = None) -> None:
        """Feed one event dict (`type`, `process`, `f`, `input`/`output`/`error`, `time`)."""
        src = self.source
        etype = event.get("type")
        if etype == "annotation":
            self._add_annotation(event, line)
            return
        if etype not in EVENT_TYPES:
            raise HistoryError(
                f"field 'type' must be one of invoke/ok/fail/info/annotation, got {etype!r}",
                source=src,
                line=line,
            )
        if "process" not in event:
            raise HistoryError("missing field 'process'", source=src, line=line)
        process = event["process"]
        if isinstance(process, bool) or not isinstance(process, int | str):
            raise HistoryError(
                f"field 'process' must be an integer or a string, got {process!r}",
                source=src,
                line=line,
            )
        if "time" not in event:
            raise HistoryError("missing field 'time'", source=src, line=line)
        time = _number(event["time"], "field 'time'", src, line)
        if etype == "invoke":
            if process in self._open:
                first = self._open[process][4]
                raise HistoryError(
                    f"process {process!r} invoked again while its operation from line {first} "
                    "is still open (one operation at a time per process)",
                    source=src,
                    line=line,
                )
            f = event.get("f")
            if not isinstance(f, str) or not f:
                raise HistoryError("field 'f' must be a non-empty string", source=src, line=line)
            self._open[process] = (len(self._ops), f, event.get("input"), time, line)
            self._ops.append(None)
            return
        if process not in self._open:
            raise HistoryError(
                f"'{etype}' for process {process!r}, which has no operation in flight",
                source=src,
                line=line,
            )
        index, f, inp, call, _ = self._open.pop(process)
        if "f" in event and event["f"] != f:
            raise HistoryError(
                f"completion names f={event['f']!r} but the invocation was {f!r}",
                source=src,
                line=line,
            )
        if time < call:
            raise HistoryError(
                f"completion time {time} is before the invocation time {call}",
                source=src,
                line=line,
            )
        outcome = Outcome(etype)
        if outcome is Outcome.OK:
            if "output" not in event:
                raise HistoryError("an 'ok' event needs field 'output'", source=src, line=line)
            output = event["output"]
        else:
            output = UNKNOWN
        error = event.get("error")
        self._ops[index] = Operation(
            index,
            process,
            f,
            inp,
            output,
            call,
            time,
            outcome,
            None if error is None else str(error),
        )

    def _add_annotation(self, event: Mapping[str, Any], line: int | None) -> None:
        src = self.source
        kind = event.get("kind")
        if not isinstance(kind, str) or not kind:
            raise HistoryError("annotation needs a non-empty 'kind'", source=src, line=line)
        start = _number(event.get("start"), "annotation field 'start'", src, line)
        end = event.get("end")
        if end is not None:
            end = _number(end, "annotation field 'end'", src, line)
        self._annotations.append(Annotation(kind, start, end, str(event.get("label", ""))))

    def finish(self, model: str | None = None) -> History:
        """Close still-open invocations as `info` and return the history."""
        for process, (index, f, inp, call, _) in self._open.items():
            self._ops[index] = Operation(
                index, process, f, inp, UNKNOWN, call, None, Outcome.INFO, "no completion"
            )
        self._open.clear()
        ops = tuple(op for op in self._ops if op is not None)
        return History(ops, tuple(self._annotations), model, self.source)


def history_from_events(
    events: Iterable[Mapping[str, Any]], *, model: str | None = None, source: str = ""
) -> History:
    """Build a `History` from event dicts in the JSONL format (see `docs/checker.md`)."""
    asm = HistoryAssembler(source)
    for n, event in enumerate(events, 1):
        asm.add(event, n)
    return asm.finish(model)


def make_history(
    operations: Sequence[tuple[Any, ...]] | Sequence[Operation],
    *,
    model: str | None = None,
) -> History:
    """Build a history from tuples `(process, f, input, output, call, ret[, outcome])`.

    Convenient in tests and generators. `outcome` defaults to `ok`; for `info` give any output
    (it is replaced by `UNKNOWN`) and `ret` may be `None`.
    """
    ops: list[Operation] = []
    for i, t in enumerate(operations):
        if isinstance(t, Operation):
            ops.append(attrs.evolve(t, index=i))
            continue
        process, f, inp, out, call, ret, *rest = t
        outcome = Outcome(rest[0]) if rest else Outcome.OK
        if outcome is not Outcome.OK:
            out = UNKNOWN
        ops.append(Operation(i, process, f, inp, out, call, ret, outcome))
    return History(tuple(ops), (), model)
