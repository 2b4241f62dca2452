"""Importers for other systems' histories: Jepsen register logs and EDN key-value logs.

Both formats carry no usable clock, so an event's time is its line number: real-time order is
the order of the lines, which is what the logs promise. `load_history` picks the format from
the file's first meaningful line when asked for `auto`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fault_injection.checker._history import (
    UNKNOWN,
    Annotation,
    History,
    HistoryAssembler,
    HistoryError,
)
from fault_injection.checker._jsonl import read_jsonl

FORMATS = ("auto", "jsonl", "jepsen", "edn-kv")
DEFAULT_MODEL = {"jepsen": "cas-register", "edn-kv": "kv"}
"""The model each imported format implies (kubelab JSONL names its own in the header)."""

_JEPSEN = re.compile(
    r"^(?:.*?\s-\s+)?(?P<process>:?[\w-]+)\s+:(?P<type>invoke|ok|fail|info)\s+"
    r":(?P<f>[\w-]+)(?:\s+(?P<value>.*?))?\s*$"
)
_EDN_TOKEN = re.compile(
    r'\s*(?:(,)|("(?:[^"\\]|\\.)*")|(:[^\s,{}\[\]]+)|(-?\d+)|(nil|true|false)'
    r"|([{}\[\]]))"
)


def read_jepsen(lines: Iterable[str], source: str = "") -> History:
    r"""Parse a Jepsen register log (``INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]`` lines).

    `:fail` on a cas is a definite non-effect; `:fail :read :timed-out` completes the read with
    an unknown output; `:info` leaves the operation open to the end. `:nemesis` lines become
    annotations on the report's time axis. Lines that are not events are skipped.
    """
    asm = HistoryAssembler(source)
    nemesis: dict[str, float] = {}
    annotations: list[Annotation] = []
    seen_event = False
    for n, raw in enumerate(lines, 1):
        m = _JEPSEN.match(raw.rstrip("\n"))
        if m is None:
            continue
        seen_event = True
        process, etype, f = m["process"], m["type"], m["f"]
        value = _jepsen_value(m["value"] or "nil", source, n)
        if process == ":nemesis":
            if etype == "info" and f in ("start", "stop"):
                if f == "start":
                    nemesis["start"] = float(n)
                else:
                    start = nemesis.pop("start", float(n))
                    annotations.append(Annotation("nemesis", start, float(n), "fault"))
            continue
        if not process.isdigit():
            raise HistoryError(f"process {process!r} is not an integer", source=source, line=n)
        if f not in ("read", "write", "cas"):
            raise HistoryError(f"function :{f} is not :read, :write or :cas", source=source, line=n)
        pid = int(process)
        event: dict[str, Any] = {"type": etype, "process": pid, "f": f, "time": float(n)}
        if etype == "invoke":
            event["input"] = None if f == "read" else value
        elif etype == "ok":
            event["output"] = value if f == "read" else True if f == "cas" else None
        elif etype == "fail" and f == "read" and value == ":timed-out":
            event = {"type": "ok", "process": pid, "f": f, "time": float(n), "output": UNKNOWN}
        if f == "cas" and etype == "invoke" and not (isinstance(value, list) and len(value) == 2):
            raise HistoryError(f"a cas needs [from to], got {m['value']!r}", source=source, line=n)
        asm.add(event, n)
    if not seen_event:
        raise HistoryError(
            "no Jepsen events found (expected lines like '3\t:invoke\t:write\t1')",
            source=source,
            line=1,
        )
    annotations.extend(
        Annotation("nemesis", start, None, "fault (not stopped)") for start in nemesis.values()
    )
    h = asm.finish("cas-register")
    return History(h.operations, tuple(annotations), "cas-register", source)


def _jepsen_value(text: str, source: str, line: int) -> Any:
    text = text.strip()
    if text in ("nil", ""):
        return None
    if text.startswith(":"):
        return text
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    m = re.fullmatch(r"\[\s*(\S+)\s+(\S+)\s*\]", text)
    if m:
        return [_jepsen_value(m[1], source, line), _jepsen_value(m[2], source, line)]
    raise HistoryError(
        f"cannot read value {text!r} (expected nil, an integer or [from to])",
        source=source,
        line=line,
    )


def parse_edn_map(text: str) -> dict[str, Any]:
    """Parse one flat EDN map of keywords to strings, integers, keywords, nil or booleans."""
    pos, out, items = 0, {}, []
    text = text.strip()
    while pos < len(text):
        m = _EDN_TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"unexpected text at column {pos + 1}: {text[pos : pos + 12]!r}")
        pos = m.end()
        comma, string, keyword, number, word, brace = m.groups()
        if comma:
            continue
        if string is not None:
            items.append(string[1:-1].encode().decode("unicode_escape"))
        elif keyword is not None:
            items.append(keyword)
        elif number is not None:
            items.append(int(number))
        elif word is not None:
            items.append({"nil": None, "true": True, "false": False}[word])
        else:
            items.append(brace)
    if len(items) < 2 or items[0] != "{" or items[-1] != "}":
        raise ValueError("expected one map {...}")
    body = items[1:-1]
    if len(body) % 2 or any(b in ("{", "}", "[", "]") for b in body):
        raise ValueError("expected :keyword value pairs of plain values")
    for k, v in zip(body[::2], body[1::2], strict=True):
        if not isinstance(k, str) or not k.startswith(":"):
            raise ValueError(f"map key {k!r} is not a keyword")
        out[k[1:]] = v
    return out


def read_edn_kv(lines: Iterable[str], source: str = "") -> History:
    """Parse an EDN key-value log (``{:process 3, :type :invoke, :f :append, :key "7", ...}``).

    `:f` is `:get`, `:put` or `:append`; a get's `:ok` `:value` is the string read (``""`` or
    nil: missing). `:time`, when present, is used; otherwise the line number.
    """
    asm = HistoryAssembler(source)
    for n, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith(";"):
            continue
        try:
            ev = parse_edn_map(text)
        except ValueError as err:
            raise HistoryError(f"not an EDN map: {err}", source=source, line=n) from None
        etype, f = ev.get("type"), ev.get("f")
        if etype not in (":invoke", ":ok", ":fail", ":info"):
            raise HistoryError(
                f":type must be :invoke, :ok, :fail or :info, got {etype!r}", source=source, line=n
            )
        if f not in (":get", ":put", ":append"):
            raise HistoryError(
                f":f must be :get, :put or :append, got {f!r}", source=source, line=n
            )
        key = ev.get("key")
        if not isinstance(key, str | int):
            raise HistoryError(":key must be a string", source=source, line=n)
        time = ev.get("time", n)
        event: dict[str, Any] = {
            "type": etype[1:],
            "process": ev.get("process"),
            "f": f[1:],
            "time": time,
        }
        value = ev.get("value")
        if etype == ":invoke":
            event["input"] = {"key": str(key)}
            if f != ":get":
                if not isinstance(value, str):
                    raise HistoryError(f"{f} needs a string :value", source=source, line=n)
                event["input"]["value"] = value
        elif etype == ":ok":
            if f == ":get" and value is not None and not isinstance(value, str):
                raise HistoryError("a :get's :value must be a string or nil", source=source, line=n)
            event["output"] = (value or "") if f == ":get" else None
        asm.add(event, n)
    h = asm.finish("kv")
    if not h.operations:
        raise HistoryError("no operations found", source=source, line=1)
    return h


def detect_format(first_lines: Iterable[str]) -> str | None:
    """Guess `jsonl`, `edn-kv` or `jepsen` from the first meaningful lines, else `None`."""
    for raw in first_lines:
        text = raw.strip()
        if not text or text.startswith(";"):
            continue
        if text.startswith(('{"', '{ "')):
            return "jsonl"
        if text.startswith(("{:", "{ :")):
            return "edn-kv"
        if _JEPSEN.match(text):
            return "jepsen"
    return None


def load_history(path: str | Path, fmt: str = "auto") -> History:
    """Read a history file in `fmt` (`auto` detects it); `HistoryError` names file and line."""
    p = Path(path)
    source = str(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise HistoryError(f"cannot read file ({err.strerror})", source=source) from None
    except UnicodeDecodeError:
        raise HistoryError("not a UTF-8 text file", source=source) from None
    if fmt == "auto":
        found = detect_format(lines[:50])
        if found is None:
            raise HistoryError(
                "cannot tell the format (use --format jsonl|jepsen|edn-kv)", source=source, line=1
            )
        fmt = found
    if fmt == "jsonl":
        return read_jsonl(lines, source)
    if fmt == "jepsen":
        return read_jepsen(lines, source)
    if fmt == "edn-kv":
        return read_edn_kv(lines, source)
    raise HistoryError(
        f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})", source=source
    )
