"""`kubelab describe`: one object as indented ``Title Case: value`` lines, then its events.

Like kubectl's generic describer: metadata first (name, namespace, labels, annotations,
creation time), then the rest of the object's fields nested, then an Events table.
"""

from __future__ import annotations

import re
from typing import Any

from components.kubectl.ages import age
from components.kubectl.printers import render_table

Obj = dict[str, Any]
_VERBATIM_KEYS = ("labels", "annotations", "selector", "matchLabels", "nodeSelector", "data")
"""Maps whose keys are user data (label keys, ConfigMap keys): printed as written, not titled."""
_SKIP_META = ("name", "namespace", "labels", "annotations", "creationTimestamp", "managedFields")


def title(key: str) -> str:
    """``containerPort`` -> ``Container Port`` (kubectl's describe field names)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key)
    return words[:1].upper() + words[1:]


def _pairs(mapping: Any) -> list[str]:
    if not isinstance(mapping, dict) or not mapping:
        return ["<none>"]
    return [f"{k}={v}" for k, v in sorted(mapping.items())]


def _nested(value: Any, indent: int, verbatim: bool = False) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            label = key if verbatim else title(key)
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{label}:")
                lines += _nested(item, indent + 2, verbatim=key in _VERBATIM_KEYS)
            else:
                shown = "<none>" if item in (None, "", {}, []) else item
                lines.append(f"{pad}{label}:  {shown}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                sub = _nested(item, indent + 2)
                if sub:
                    sub[0] = f"{pad}- {sub[0].lstrip()}"
                lines += sub
            else:
                lines.append(f"{pad}- {item}")
    return lines


def events_about(obj: Obj, kind: str, events: list[Obj]) -> list[Obj]:
    """The events whose involvedObject is `obj`: by uid, or by kind and name (older events)."""
    meta = obj.get("metadata") or {}
    uid, name = meta.get("uid"), meta.get("name")
    chosen = []
    for event in events:
        about = event.get("involvedObject") or {}
        if about.get("uid") == uid or (about.get("name") == name and about.get("kind") == kind):
            chosen.append(event)
    return chosen


def describe(obj: Obj, events: list[Obj], now: float) -> str:
    """The describe text of `obj` and the events about it."""
    meta = obj.get("metadata") or {}
    lines = [f"Name:               {meta.get('name', '')}"]
    if meta.get("namespace"):
        lines.append(f"Namespace:          {meta['namespace']}")
    for label, key in (("Labels:", "labels"), ("Annotations:", "annotations")):
        values = _pairs(meta.get(key))
        lines.append(f"{label:<20}{values[0]}")
        lines += [" " * 20 + v for v in values[1:]]
    created = meta.get("creationTimestamp")
    lines.append(f"CreationTimestamp:  {created or '<unknown>'} ({age(obj, now)} ago)")
    rest = {k: v for k, v in meta.items() if k not in _SKIP_META}
    if rest:
        lines += _nested({"metadata": rest}, 0)
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    lines += _nested(body, 0)
    if not events:
        lines.append("Events:             <none>")
    else:
        lines.append("Events:")
        rows = [["Type", "Reason", "Age", "From", "Message"]]
        for ev in events:
            stamp = ev.get("lastTimestamp") or ev.get("eventTime") or ev.get("firstTimestamp")
            when = age({"metadata": {"creationTimestamp": stamp}}, now) if stamp else "<unknown>"
            source = (ev.get("source") or {}).get("component") or ev.get("reportingComponent")
            rows.append(
                [
                    str(ev.get("type", "")),
                    str(ev.get("reason", "")),
                    when,
                    str(source or ""),
                    str(ev.get("message", "")),
                ]
            )
        lines += ["  " + line for line in render_table(rows).splitlines()]
    return "\n".join(lines) + "\n"


__all__ = ["describe", "title"]
