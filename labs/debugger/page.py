"""The debugger page: node lanes with message arrows, state records, fault windows, history.

`debug_data_from_chaos` turns a chaos run into plain JSON-able data; `render_debugger` puts
that data and a small script into one HTML file with no external resources. Any run that can
name its nodes, events and client history (a lab check, later `Env.record`) can fill the same
data shape.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from fault_injection.chaos.report import compact
from fault_injection.chaos.runner import ChaosOutcome
from fault_injection.checker import Verdict

_MESSAGE_KINDS = {"send", "deliver", "drop"}


def _msg_type(payload: Any) -> str:
    if isinstance(payload, dict):
        return str(payload.get("type") or payload.get("op") or "message")
    return type(payload).__name__


def debug_data_from_chaos(outcome: ChaosOutcome) -> dict[str, Any]:
    """The page's data for a chaos run: nodes, events (messages paired by id), faults, ops."""
    nodes: list[str] = [e.details[0] for e in outcome.events if e.kind == "boot"]
    sends: dict[Any, dict[str, Any]] = {}
    events: list[dict[str, Any]] = []
    for e in outcome.events:
        if e.kind == "send":
            msg_id, src, dst, payload = e.details[:4]
            for n in (src, dst):
                if n not in nodes:
                    nodes.append(n)
            item = {
                "t": e.time,
                "kind": "send",
                "node": src,
                "dst": dst,
                "id": msg_id,
                "type": _msg_type(payload),
                "label": compact(payload),
            }
            sends[msg_id] = item
            events.append(item)
        elif e.kind in ("deliver", "drop"):
            sent = sends.get(e.details[0])
            if sent is None:
                continue
            reason = e.details[1] if e.kind == "drop" and len(e.details) > 1 else ""
            events.append(
                {
                    "t": e.time,
                    "kind": e.kind,
                    "node": sent["dst"],
                    "src": sent["node"],
                    "id": sent["id"],
                    "type": sent["type"],
                    "label": reason or sent["label"],
                }
            )
        else:
            node = e.details[0] if e.details and e.details[0] in nodes else ""
            rest = e.details[1:] if node else e.details
            events.append(
                {
                    "t": e.time,
                    "kind": e.kind,
                    "node": node,
                    "type": e.kind,
                    "label": compact(list(rest)),
                }
            )
    culprit: set[int] = set()
    reason = ""
    for part in outcome.result.partitions:
        if part.verdict is Verdict.ILLEGAL:
            culprit |= set(part.candidates)
            if part.blocking is not None:
                culprit.add(part.blocking)
            reason = f"{part.label}: {part.reason}".lstrip(": ")
    ops = [
        {
            "index": op.index,
            "process": str(op.process),
            "f": op.f,
            "input": compact(op.input),
            "output": compact(op.output),
            "call": op.call,
            "ret": op.ret,
            "outcome": op.outcome.value,
            "culprit": op.index in culprit,
        }
        for op in outcome.history.operations
    ]
    faults = [
        {"kind": a.kind, "start": a.start, "stop": a.end, "label": a.label}
        for a in outcome.history.annotations
    ]
    return {
        "title": f"{outcome.system}: {outcome.verdict}",
        "verdict": outcome.verdict,
        "reason": reason,
        "replay": outcome.replay_command(),
        "nodes": sorted(set(nodes), key=lambda n: (n.startswith("c"), n)),
        "events": events,
        "faults": faults,
        "ops": ops,
    }


def render_debugger(data: dict[str, Any]) -> str:
    """The whole page as one HTML string (data inlined, no external resources)."""
    blob = json.dumps(data).replace("</", "<\\/")
    title = html.escape(str(data.get("title", "run")))
    page = resources.files("labs.debugger").joinpath("page.html").read_text()
    return page.replace("@@TITLE@@", title).replace("@@DATA@@", blob)


def write_debugger(data: dict[str, Any], path: Path) -> Path:
    """Write the page to `path` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_debugger(data))
    return path
