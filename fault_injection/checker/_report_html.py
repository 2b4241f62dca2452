"""The counterexample timeline: one self-contained HTML file (inline SVG and CSS, no network).

A row per client, each operation a box from call to return (indeterminate ones dashed and open
to the end), the chosen linearization points joined by a line, the operation that could not be
placed marked red and its concurrent candidates orange, hover text with the state before and
after each point, and annotation rows (faults) on the same time axis.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from fault_injection.checker._check import replay
from fault_injection.checker._history import History, Operation, Outcome
from fault_injection.checker._model import Model
from fault_injection.checker._result import CheckResult, PartitionResult, Verdict

ROW_H = 34
BOX_H = 22
LEFT = 120
WIDTH = 1300
MAX_OPS = 3000

_CSS = """
body{font:14px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:20px;margin:0 0 4px} .v-illegal{color:#b00020} .v-ok{color:#1b7f3b}
.v-unknown{color:#a66b00} p{margin:4px 0} .note{color:#555}
svg text{font:12px system-ui,sans-serif} .lbl{font-weight:600}
.op rect{fill:#dfe9f7;stroke:#4a6fa5;stroke-width:1}
.op.info rect{fill:#f1f1f1;stroke:#777;stroke-dasharray:4 3}
.op.blocking rect{fill:#ffd6d6;stroke:#b00020;stroke-width:2.5}
.op.candidate rect{fill:#ffe8c2;stroke:#c77700;stroke-width:1.5}
.op.unplaced rect{fill:#fafafa}
.op:hover rect{stroke:#000;stroke-width:2}
.ann rect{fill:#e9d8f4;stroke:#7b3fa0} .ann line{stroke:#7b3fa0;stroke-width:2}
.callout{fill:#b00020;font-weight:700;paint-order:stroke;stroke:#fff;stroke-width:4px}
.lin{fill:none;stroke:#1b7f3b;stroke-width:1.6;opacity:.8} .pt{fill:#1b7f3b}
.axis{stroke:#999} .grid{stroke:#eee}
.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:14px;height:10px;border:1px solid #444;margin-right:4px}
"""


def write_html(path: str | Path, history: History, model: Model, result: CheckResult) -> None:
    """Write the report of `result` (the failing part, else the first part) to `path`."""
    Path(path).write_text(render_html(history, model, result), encoding="utf-8")


def render_html(history: History, model: Model, result: CheckResult) -> str:
    """Return the report as one HTML string."""
    part = result.failing or (result.partitions[0] if result.partitions else None)
    head = {
        Verdict.OK: "linearizable",
        Verdict.ILLEGAL: "not linearizable",
        Verdict.UNKNOWN: "unknown",
    }[result.verdict]
    title = html.escape(history.source or "history")
    body = [
        f"<h1>{title}: <span class='v-{result.verdict.value}'>{head}</span></h1>",
        f"<p>{html.escape(result.summary())}</p>",
        f"<p class='note'>model {html.escape(model.name)}; "
        f"{result.total_partitions} part(s); showing "
        f"{html.escape(part.label) if part and part.label else 'the history'}.</p>",
    ]
    if part is not None:
        body.append(_legend())
        body.append(_svg(history, model, part))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}: {head}</title><style>{_CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def _legend() -> str:
    items = [
        ("#dfe9f7", "operation (call to return)"),
        ("#f1f1f1", "indeterminate (info)"),
        ("#ffd6d6", "first operation that cannot be placed"),
        ("#ffe8c2", "concurrent candidates, none fits"),
        ("#1b7f3b", "linearization points"),
        ("#e9d8f4", "fault annotation"),
    ]
    spans = "".join(
        f"<span><i class='sw' style='background:{c}'></i>{html.escape(t)}</span>" for c, t in items
    )
    return f"<p class='legend'>{spans}</p><p class='note'>Hover a box for details.</p>"


def _svg(history: History, model: Model, part: PartitionResult) -> str:
    ops = list(part.operations)[:MAX_OPS]
    by_index = {op.index: op for op in ops}
    order = [i for i in part.linearization if i in by_index]
    states = replay(model, [by_index[i] for i in order])
    placed = {i: k for k, i in enumerate(order)}
    anns = list(history.annotations)
    t0 = min([op.call for op in ops] + [a.start for a in anns], default=0.0)
    t1 = max(
        [op.ret if op.ret is not None else op.call for op in ops]
        + [a.end if a.end is not None else a.start for a in anns],
        default=1.0,
    )
    t1 = t1 + max((t1 - t0) * 0.03, 1e-9)
    span = (t1 - t0) or 1.0

    def x(t: float) -> float:
        return LEFT + (t - t0) / span * (WIDTH - LEFT - 10)

    kinds = sorted({a.kind for a in anns})
    clients = sorted({op.process for op in ops}, key=lambda p: (isinstance(p, str), str(p)))
    row_of: dict[Any, int] = {("ann", k): i for i, k in enumerate(kinds)}
    for j, c in enumerate(clients):
        row_of[c] = len(kinds) + j
    height = (len(kinds) + len(clients)) * ROW_H + 50
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}'>"]
    axis_y = height - 30
    for k in range(11):
        t = t0 + span * k / 10
        out.append(
            f"<line class='grid' x1='{x(t):.1f}' y1='0' x2='{x(t):.1f}' y2='{axis_y}'/>"
            f"<text x='{x(t):.1f}' y='{axis_y + 16}' text-anchor='middle'>{t:.4g}</text>"
        )
    out.append(f"<line class='axis' x1='{LEFT}' y1='{axis_y}' x2='{WIDTH - 10}' y2='{axis_y}'/>")
    for kind in kinds:
        y = row_of[("ann", kind)] * ROW_H
        out.append(f"<text class='lbl' x='4' y='{y + 21}'>{html.escape(kind)}</text>")
    for c in clients:
        y = row_of[c] * ROW_H
        out.append(f"<text class='lbl' x='4' y='{y + 21}'>client {html.escape(str(c))}</text>")
    for a in anns:
        y = row_of[("ann", a.kind)] * ROW_H + 6
        tip = html.escape(
            f"{a.kind} {a.label} at {a.start:g}" + ("" if a.end is None else f" to {a.end:g}")
        )
        if a.end is None:
            out.append(
                f"<g class='ann'><title>{tip}</title><line x1='{x(a.start):.1f}' "
                f"y1='{y}' x2='{x(a.start):.1f}' y2='{y + BOX_H}'/>"
                f"<text x='{x(a.start) + 5:.1f}' y='{y + 15}'>"
                f"{html.escape(a.label)}</text></g>"
            )
        else:
            w = max(x(a.end) - x(a.start), 2)
            out.append(
                f"<g class='ann'><title>{tip}</title><rect x='{x(a.start):.1f}' "
                f"y='{y}' width='{w:.1f}' height='{BOX_H}' rx='3'/>"
                f"<text x='{x(a.start) + 4:.1f}' y='{y + 15}'>"
                f"{html.escape(a.label)}</text></g>"
            )
    points: list[tuple[float, float]] = []
    last = t0
    for k, i in enumerate(order):
        op = by_index[i]
        last = max(last, op.call)
        y = row_of[op.process] * ROW_H + 6 + BOX_H / 2
        points.append((x(last), y))
        del k
    cands = set(part.candidates)
    out.extend(
        _box(op, model, x, row_of[op.process] * ROW_H + 6, t1, placed, states, part, cands)
        for op in ops
    )
    if points:
        pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f"<polyline class='lin' points='{pts}'/>")
        out.extend(f"<circle class='pt' cx='{px:.1f}' cy='{py:.1f}' r='3'/>" for px, py in points)
    blocker = by_index.get(part.blocking) if part.blocking is not None else None
    if blocker is not None:  # the key fact of the report, spelled out on top of everything
        y = row_of[blocker.process] * ROW_H + 6
        end = blocker.ret if blocker.ret is not None else blocker.call
        out.append(
            f"<text class='callout' x='{max(x(end), x(blocker.call) + 3) + 5:.1f}' "
            f"y='{y + 15}'>{html.escape(model.describe_operation(blocker))}: cannot be "
            "placed</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _box(  # noqa: PLR0917 - private drawing helper, one caller
    op: Operation,
    model: Model,
    x: Any,
    y: float,
    t_end: float,
    placed: dict[int, int],
    states: list[tuple[Any, Any]],
    part: PartitionResult,
    cands: set[int],
) -> str:
    end = op.ret if op.ret is not None and op.outcome is Outcome.OK else t_end
    if op.outcome is not Outcome.OK and op.ret is not None:
        end = t_end
    classes = ["op"]
    if op.outcome is not Outcome.OK:
        classes.append("info")
    if op.index == part.blocking:
        classes.append("blocking")
    elif op.index in cands:
        classes.append("candidate")
    elif op.index not in placed and part.verdict is not Verdict.OK:
        classes.append("unplaced")
    desc = model.describe_operation(op)
    lines = [
        f"op {op.index} by client {op.process}: {desc}",
        f"called {op.call:g}, "
        + ("returned " + f"{op.ret:g}" if op.ret is not None else "no return")
        + f" ({op.outcome.value})",
    ]
    k = placed.get(op.index)
    if k is not None and k < len(states):
        before, after = states[k]
        lines.append(
            f"linearized #{k + 1}: state {model.describe_state(before)} -> "
            f"{model.describe_state(after)}"
        )
    elif op.index == part.blocking:
        lines.append("cannot be placed after the longest linearizable prefix")
    elif op.index in cands:
        lines.append("could come next, but does not fit the state either")
    x0, x1 = x(op.call), x(end)
    w = max(x1 - x0, 3)
    fit = int((w - 6) // 6.8)
    label = html.escape(desc if len(desc) <= fit else desc[: max(fit - 1, 0)] + "…")
    tip = html.escape("\n".join(lines))
    return (
        f"<g class='{' '.join(classes)}'><title>{tip}</title>"
        f"<rect x='{x0:.1f}' y='{y}' width='{w:.1f}' height='{BOX_H}' rx='3'/>"
        f"<text x='{x0 + 4:.1f}' y='{y + 15}'>{label}</text></g>"
    )
