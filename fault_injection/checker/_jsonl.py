"""kubelab's history file: JSON Lines, one event per line (format `kubelab-history/1`).

Line 1 may be a header ``{"type": "header", "format": "kubelab-history", "version": 1,
"model": "kv"}``. Every other line is an event: ``invoke`` / ``ok`` / ``fail`` / ``info`` of one
process, or an ``annotation`` (a fault shown on the report's time axis). `docs/checker.md`
gives the field-by-field definition; `HistoryWriter` writes it and `read_jsonl` reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from fault_injection.checker._history import History, HistoryAssembler, HistoryError

FORMAT_NAME = "kubelab-history"
FORMAT_VERSION = 1


class HistoryWriter:
    """Write a history as JSONL while a run goes on, one event per call.

    ``sink`` is a path (opened and owned by the writer), an open text file, or ``None`` to only
    keep the events in memory (``history()`` then returns them as a `History`). Each method
    checks the client protocol (one operation in flight per process, completion not before
    invocation) and raises `HistoryError` on misuse, so a harness bug shows at its source.
    Times are the caller's clock (virtual seconds in simulations); pass them explicitly.
    """

    def __init__(
        self,
        sink: str | Path | IO[str] | None = None,
        *,
        model: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self._own = isinstance(sink, str | Path)
        self._fp: IO[str] | None = (
            Path(sink).open("w", encoding="utf-8")  # noqa: SIM115 - closed by close()
            if isinstance(sink, str | Path)
            else sink
        )
        self._model = model
        self._asm = HistoryAssembler(str(sink) if self._own else "")
        self._keep = sink is None
        self._events = 0
        header: dict[str, Any] = {
            "type": "header",
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
        }
        if model is not None:
            header["model"] = model
        if meta:
            header["meta"] = meta
        self._emit(header, check=False)

    def _emit(self, event: dict[str, Any], *, check: bool = True) -> None:
        if check:
            self._events += 1
            self._asm.add(event, self._events)
        if self._fp is not None:
            self._fp.write(json.dumps(event, separators=(",", ":"), ensure_ascii=False))
            self._fp.write("\n")

    def invoke(self, process: int | str, f: str, input: Any = None, *, time: float) -> None:
        """Record that `process` called `f(input)` at `time`."""
        self._emit({"type": "invoke", "process": process, "f": f, "input": input, "time": time})

    def ok(self, process: int | str, output: Any = None, *, time: float) -> None:
        """Record that the operation in flight on `process` completed with `output`."""
        self._emit({"type": "ok", "process": process, "output": output, "time": time})

    def fail(self, process: int | str, error: str | None = None, *, time: float) -> None:
        """Record that the operation in flight definitely did not take effect."""
        event: dict[str, Any] = {"type": "fail", "process": process, "time": time}
        if error is not None:
            event["error"] = error
        self._emit(event)

    def info(self, process: int | str, error: str | None = None, *, time: float) -> None:
        """Record that the operation in flight may or may not have taken effect (timeout...)."""
        event: dict[str, Any] = {"type": "info", "process": process, "time": time}
        if error is not None:
            event["error"] = error
        self._emit(event)

    def annotate(self, kind: str, start: float, end: float | None = None, label: str = "") -> None:
        """Record a fault event (partition, crash, restart...) for the report's time axis."""
        event: dict[str, Any] = {"type": "annotation", "kind": kind, "start": start}
        if end is not None:
            event["end"] = end
        if label:
            event["label"] = label
        self._emit(event)

    def history(self) -> History:
        """The history written so far (operations still in flight are `info`)."""
        if not self._keep:
            raise RuntimeError("history() needs a writer created with sink=None")
        return self._asm.finish(self._model)

    def close(self) -> None:
        """Flush, and close the file if the writer opened it."""
        if self._fp is not None:
            self._fp.flush()
            if self._own:
                self._fp.close()
            self._fp = None

    def __enter__(self) -> HistoryWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_jsonl(lines: Iterable[str], source: str = "") -> History:
    """Parse kubelab JSONL history lines; `HistoryError` names the line of the first problem."""
    asm = HistoryAssembler(source)
    model: str | None = None
    first = True
    for n, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text:
            continue
        try:
            event = json.loads(text)
        except json.JSONDecodeError as err:
            raise HistoryError(f"not valid JSON ({err.msg})", source=source, line=n) from None
        if not isinstance(event, dict):
            raise HistoryError("each line must be a JSON object", source=source, line=n)
        if event.get("type") == "header":
            if not first:
                raise HistoryError("the header must be the first line", source=source, line=n)
            if event.get("format", FORMAT_NAME) != FORMAT_NAME:
                raise HistoryError(
                    f"unknown format {event.get('format')!r} (expected {FORMAT_NAME!r})",
                    source=source,
                    line=n,
                )
            version = event.get("version", FORMAT_VERSION)
            if version != FORMAT_VERSION:
                raise HistoryError(
                    f"unsupported version {version!r} (this checker reads {FORMAT_VERSION})",
                    source=source,
                    line=n,
                )
            m = event.get("model")
            model = m if isinstance(m, str) else None
            first = False
            continue
        first = False
        asm.add(event, n)
    return asm.finish(model)


def write_history(history: History, path: str | Path) -> None:
    """Write a whole `History` as JSONL (events in time order; for converting imported files)."""
    # At equal times completions go first (a process's next call may share its time), except an
    # operation's own completion when it returned at its call time.
    events: list[tuple[float, int, int, int, dict[str, Any]]] = []
    for op in history.operations:
        events.append(
            (
                op.call,
                1,
                op.index,
                0,
                {
                    "type": "invoke",
                    "process": op.process,
                    "f": op.f,
                    "input": op.input,
                    "time": op.call,
                },
            )
        )
        if op.ret is None:
            continue
        done: dict[str, Any] = {"type": op.outcome.value, "process": op.process, "time": op.ret}
        if op.definite:
            done["output"] = op.output
        if op.error is not None:
            done["error"] = op.error
        events.append((op.ret, 1 if op.ret == op.call else 0, op.index, 1, done))
    events.sort(key=lambda e: e[:4])
    with HistoryWriter(path, model=history.model) as w:
        for ann in history.annotations:
            w.annotate(ann.kind, ann.start, ann.end, ann.label)
        for *_k, event in events:
            w._emit(event)
