"""`report.html`: a self-contained page with the run's verdict, fault windows and pictures.

Three SVG panels share one time axis with every fault window shaded: the operations of each
client (ok green, fail grey, info orange to the end of the run; the checker's culprit in red),
the latency of every `ok` operation, and throughput per second by outcome.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

from fault_injection.chaos.runner import ChaosOutcome, summary
from fault_injection.checker import UNKNOWN, Operation, Outcome, Verdict

_WIDTH, _LEFT, _RIGHT = 1200, 70, 20
_COLORS = {"ok": "#3a9a4a", "fail": "#9a9a9a", "info": "#e8962e"}
_FAULT_COLORS = ["#d9534f", "#5b7fd1", "#9b59b6", "#16a085", "#c0a000", "#7f8c8d"]


def compact(value: object) -> str:
    """A value as short JSON-ish text: ``[1, 3]``, ``{"k": 1}``, ``null``, ``?`` for unknown.

    A string at the top prints as itself (table cells hold prose).

    Operation inputs and outputs are whatever the workload recorded (lists, dicts, numbers);
    Python reprs (``None``, ``{'k': 1}``) would read as noise to someone who never saw Python.
    """
    if isinstance(value, str):
        return value
    if value is UNKNOWN:
        return "?"
    return json.dumps(value, ensure_ascii=False, default=_jsonable, separators=(", ", ": "))


def _jsonable(value: Any) -> Any:
    """What `json` cannot encode: sets as sorted lists, anything else as its text."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return str(value)


def operation_text(op: Operation) -> str:
    """``write 3``, ``cas [1, 3] -> true``, ``read -> null``: an operation and its result.

    An operation that never returned (``info``) shows no output: it is not known.
    """
    text = op.f if op.input is None else f"{op.f} {compact(op.input)}"
    if op.outcome is Outcome.OK:
        text += f" -> {compact(op.output)}"
    return text


def _x(t: float, end: float) -> float:
    return _LEFT + (_WIDTH - _LEFT - _RIGHT) * t / end


def _shading(outcome: ChaosOutcome, end: float, height: float) -> str:
    kinds = sorted({a.kind for a in outcome.history.annotations})
    parts = []
    for a in outcome.history.annotations:
        color = _FAULT_COLORS[kinds.index(a.kind) % len(_FAULT_COLORS)]
        stop = a.end if a.end is not None else end
        x0, x1 = _x(a.start, end), _x(stop, end)
        what = f"{a.kind} {a.label}" if a.label else a.kind
        tip = html.escape(f"{what} {a.start:.2f}-{stop:.2f}s")
        parts.append(
            f'<rect x="{x0:.1f}" y="0" width="{max(1.0, x1 - x0):.1f}" height="{height}" '
            f'fill="{color}" opacity="0.13"><title>{tip}</title></rect>'
        )
    return "".join(parts)


def _axis(end: float, y: float) -> str:
    step = 10 ** math.floor(math.log10(max(end, 1e-9) / 2))
    ticks = []
    t = 0.0
    while t <= end:
        ticks.append(
            f'<line x1="{_x(t, end):.1f}" y1="{y}" x2="{_x(t, end):.1f}" y2="{y + 4}" '
            f'stroke="#444"/><text x="{_x(t, end):.1f}" y="{y + 16}" font-size="11" '
            f'text-anchor="middle">{t:g}s</text>'
        )
        t = round(t + step * (2 if end / step > 12 else 1), 9)
    return f'<line x1="{_LEFT}" y1="{y}" x2="{_WIDTH - _RIGHT}" y2="{y}" stroke="#444"/>' + "".join(
        ticks
    )


def _panel(title: str, height: float, end: float, body: str, outcome: ChaosOutcome) -> str:
    return (
        f"<h2>{html.escape(title)}</h2>"
        f'<svg width="{_WIDTH}" height="{height + 24}" xmlns="http://www.w3.org/2000/svg">'
        f"{_shading(outcome, end, height)}{body}{_axis(end, height)}</svg>"
    )


def _operations(outcome: ChaosOutcome, end: float, culprit: set[int]) -> str:
    procs = sorted({op.process for op in outcome.history.operations}, key=str)
    row = 16
    parts = []
    for i, p in enumerate(procs):
        parts.append(f'<text x="4" y="{i * row + 12}" font-size="11">client {p}</text>')
    for op in outcome.history.operations:
        y = procs.index(op.process) * row + 2
        stop = op.ret if op.ret is not None else end
        x0, x1 = _x(op.call, end), _x(stop, end)
        if op.outcome is Outcome.INFO:  # may take effect any time until the end: a thin tail
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y + row / 2 - 2}" x2="{_x(end, end):.1f}" '
                f'y2="{y + row / 2 - 2}" stroke="{_COLORS["info"]}" stroke-dasharray="2,3"/>'
            )
        color = "#d00000" if op.index in culprit else _COLORS[op.outcome.value]
        tip = html.escape(
            f"#{op.index} {operation_text(op)} [{op.outcome.value}] "
            f"{op.call:.3f}-{'' if op.ret is None else f'{op.ret:.3f}'}s {op.error or ''}".rstrip()
        )
        opacity = "0.9"
        parts.append(
            f'<rect x="{x0:.1f}" y="{y}" width="{max(1.0, x1 - x0):.1f}" height="{row - 4}" '
            f'fill="{color}" opacity="{opacity}"><title>{tip}</title></rect>'
        )
    return _panel("Operations by client", len(procs) * row + 4, end, "".join(parts), outcome)


def _latency(outcome: ChaosOutcome, end: float) -> str:
    pts = [
        (op.call, op.ret - op.call)
        for op in outcome.history.operations
        if op.outcome is Outcome.OK and op.ret is not None
    ]
    height = 160.0
    top = max((lat for _, lat in pts), default=1.0) or 1.0

    def y(lat: float) -> float:
        return height - 4 - (height - 8) * lat / top

    dots = "".join(
        f'<circle cx="{_x(t, end):.1f}" cy="{y(lat):.1f}" r="1.6" fill="#2b5da8"/>'
        for t, lat in pts
    )
    labels = (
        f'<text x="4" y="12" font-size="11">{top * 1000:.0f} ms</text>'
        f'<text x="4" y="{height - 4}" font-size="11">0</text>'
    )
    return _panel("Latency of ok operations", height, end, labels + dots, outcome)


def _throughput(outcome: ChaosOutcome, end: float) -> str:
    buckets = max(1, math.ceil(end))
    counts = {k: [0] * buckets for k in _COLORS}
    for op in outcome.history.operations:
        t = op.ret if op.ret is not None else op.call
        counts[op.outcome.value][min(buckets - 1, int(t))] += 1
    height = 140.0
    top = max(sum(counts[k][i] for k in counts) for i in range(buckets)) or 1
    parts = [f'<text x="4" y="12" font-size="11">{top}/s</text>']
    for i in range(buckets):
        base = height
        for kind, color in _COLORS.items():
            h = (height - 8) * counts[kind][i] / top
            if h:
                parts.append(
                    f'<rect x="{_x(i, end):.1f}" y="{base - h:.1f}" '
                    f'width="{max(1.0, _x(min(i + 1, end), end) - _x(i, end) - 1):.1f}" '
                    f'height="{h:.1f}" '
                    f'fill="{color}"><title>{i}s: {counts[kind][i]} {kind}</title></rect>'
                )
                base -= h
    return _panel(
        "Throughput (operations completed per second)", height, end, "".join(parts), outcome
    )


def _esc(value: object) -> str:
    return html.escape(compact(value))


def render_report(outcome: ChaosOutcome) -> str:
    """The whole report page as one HTML string (no external resources)."""
    ops = outcome.history.operations
    end = max([op.ret or op.call for op in ops] + [1.0]) * 1.01
    culprit: set[int] = set()
    reason = ""
    for part in outcome.result.partitions:
        if part.verdict is Verdict.ILLEGAL:
            culprit |= set(part.candidates)
            if part.blocking is not None:
                culprit.add(part.blocking)
            reason = f"{part.label}: {part.reason}".lstrip(": ")
    s = summary(outcome)
    rows = "".join(
        f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>"
        for k, v in (
            ("system", outcome.system),
            ("verdict", s["verdict"]),
            ("checker", f"{s['checker']} {reason}"),
            ("live", f"{compact(s['live'])} {' '.join(s['missing_final_reads'])}".rstrip()),
            ("operations", s["operations"]),
            ("latency (s)", {k: round(v, 4) for k, v in s["latency"].items()}),
            ("faults", s["faults"] or "none"),
            ("seed", s["seed"]),
            ("trace digest", s["trace_digest"]),
            ("replay", s["replay"]),
        )
    )
    legend = (
        " ".join(
            f'<span style="background:{c};color:white;padding:1px 6px">{k}</span>'
            for k, c in _COLORS.items()
        )
        + ' <span style="background:#d00000;color:white;padding:1px 6px">culprit</span>'
    )
    kinds = sorted({a.kind for a in outcome.history.annotations})
    legend += " &nbsp; faults: " + (
        " ".join(
            f'<span style="background:{_FAULT_COLORS[i % len(_FAULT_COLORS)]};opacity:0.5;'
            f'padding:1px 6px">{_esc(k)}</span>'
            for i, k in enumerate(kinds)
        )
        or "none"
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>kubelab chaos report</title>"
        "<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}"
        "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}"
        "h2{font-size:15px;margin:18px 0 4px}</style></head><body>"
        f"<h1>kubelab chaos: {_esc(s['verdict'])}</h1><table>{rows}</table>"
        f"<p>{legend}; shaded: fault windows (hover for details). The checker's own "
        "timeline of the history: <a href='checker.html'>checker.html</a>.</p>"
        f"{_operations(outcome, end, culprit)}{_latency(outcome, end)}"
        f"{_throughput(outcome, end)}</body></html>"
    )
