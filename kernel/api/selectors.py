"""Label and field selectors as `?labelSelector=` and `?fieldSelector=` spell them.

Label selectors follow Kubernetes' grammar: comma-separated requirements ``key``, ``!key``,
``key=v``, ``key==v``, ``key!=v``, ``key in (a,b)``, ``key notin (a,b)``. Field selectors are
``path=v``, ``path==v``, ``path!=v`` over a per-resource set of supported fields, as Kubernetes
limits them (``metadata.name``, ``metadata.namespace``, ``spec.nodeName``, ``status.phase``, ...).
A bad selector is the user's mistake: `BadRequest` naming what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from kernel.api.errors import BadRequest
from kernel.objects import is_qualified_name, is_valid_label_value

LabelOp = Literal["exists", "!exists", "=", "!=", "in", "notin"]

_TOKEN_RE = re.compile(r"\s*(==|!=|=|\(|\)|,|!|[^\s=!(),]+)")


@attrs.frozen
class LabelRequirement:
    """One requirement of a label selector."""

    key: str
    op: LabelOp
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Tell whether `labels` satisfy this requirement (Kubernetes' semantics)."""
        present = self.key in labels
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        value = labels.get(self.key)
        if self.op in ("=", "in"):
            return present and value in self.values
        return not present or value not in self.values  # "!=" and "notin"


@attrs.frozen
class LabelQuery:
    """A parsed label selector: every requirement must hold. Empty matches everything."""

    requirements: tuple[LabelRequirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Tell whether an object with `labels` is selected."""
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        """True when the selector selects everything."""
        return not self.requirements


def _bad_label(text: str, why: str) -> BadRequest:
    return BadRequest(f"unable to parse requirement: {why} (in label selector {text!r})")


def _check_key(text: str, key: str) -> str:
    """The key, if it is a qualified name (the object model's rule for label keys)."""
    problems = is_qualified_name(key)
    if problems:
        raise _bad_label(text, f"invalid label key {key!r}: {'; '.join(problems)}")
    return key


def _check_value(text: str, value: str) -> str:
    """The value, if the object model accepts it as a label value."""
    problems = is_valid_label_value(value)
    if problems:
        raise _bad_label(text, f"invalid label value {value!r}: {'; '.join(problems)}")
    return value


class _Tokens:
    """A cursor over label-selector tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.items: list[str] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN_RE.match(text, pos)
            if m is None:  # only trailing whitespace is left
                break
            self.items.append(m.group(1))
            pos = m.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise _bad_label(self.text, "unexpected end of selector")
        self.i += 1
        return tok


def _parse_values(toks: _Tokens) -> tuple[str, ...]:
    if toks.take() != "(":
        raise _bad_label(toks.text, "expected '(' after in/notin")
    values: list[str] = []
    expect_value = True
    while True:
        tok = toks.take()
        if tok == ")":
            if expect_value and values:  # "(a,)": a trailing comma means an empty value
                values.append("")
            break
        if tok == ",":
            if expect_value:
                values.append("")
            expect_value = True
            continue
        if not expect_value:
            raise _bad_label(toks.text, f"expected ',' or ')' but got {tok!r}")
        values.append(_check_value(toks.text, tok))
        expect_value = False
    if not values:
        raise _bad_label(toks.text, "for 'in', 'notin' operators, values set can't be empty")
    return tuple(values)


def _parse_requirement(toks: _Tokens) -> LabelRequirement:
    text = toks.text
    tok = toks.take()
    if tok == "!":
        return LabelRequirement(_check_key(text, toks.take()), "!exists")
    key = _check_key(text, tok)
    nxt = toks.peek()
    if nxt is None or nxt == ",":
        return LabelRequirement(key, "exists")
    op = toks.take()
    if op in ("in", "notin"):
        return LabelRequirement(key, op, _parse_values(toks))  # type: ignore[arg-type]
    if op not in ("=", "==", "!="):
        raise _bad_label(text, f"found {op!r}, expected: in, notin, =, ==, !=, or end")
    value = toks.peek()
    if value is None or value == ",":
        value = ""
    else:
        value = _check_value(text, toks.take())
    return LabelRequirement(key, "!=" if op == "!=" else "=", (value,))


def parse_label_selector(text: str | None) -> LabelQuery:
    """Parse a `labelSelector` query value; raise `BadRequest` naming the problem."""
    if not text or not text.strip():
        return LabelQuery()
    toks = _Tokens(text)
    reqs: list[LabelRequirement] = []
    while True:
        reqs.append(_parse_requirement(toks))
        tok = toks.peek()
        if tok is None:
            break
        if tok != ",":
            raise _bad_label(text, f"found {tok!r}, expected: ',' or end")
        toks.take()
    return LabelQuery(tuple(reqs))


# --------------------------------------------------------------------------- fields

COMMON_FIELDS: tuple[str, ...] = ("metadata.name", "metadata.namespace")
"""Fields every resource can be selected on."""

RESOURCE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "pods": (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    "nodes": ("spec.unschedulable",),
    "namespaces": ("status.phase",),
    "events": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "replicasets": ("status.replicas",),
    "services": ("spec.clusterIP", "spec.type"),
}
"""Extra selectable fields per resource, as Kubernetes registers them."""


@attrs.frozen
class FieldRequirement:
    """``path = value`` or ``path != value``."""

    path: str
    equal: bool
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Compare the object's field (missing reads as "") with the value."""
        return (field_value(obj, self.path) == self.value) == self.equal


@attrs.frozen
class FieldQuery:
    """A parsed field selector: every requirement must hold."""

    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Tell whether `obj` is selected."""
        return all(r.matches(obj) for r in self.requirements)

    @property
    def empty(self) -> bool:
        """True when the selector selects everything."""
        return not self.requirements

    def exact(self, path: str) -> str | None:
        """The value `path` must equal, if the selector pins it (lets lists narrow the range)."""
        for r in self.requirements:
            if r.path == path and r.equal:
                return r.value
        return None


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """Read a dotted field path from a wire object as the string a field selector compares."""
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _parse_field_term(term: str, allowed: tuple[str, ...], text: str) -> FieldRequirement:
    m = re.match(r"^([^=!]*?)\s*(==|!=|=)(.*)$", term)
    if m is None:
        raise BadRequest(f"invalid selector: {text!r}; can't understand {term!r}")
    path, op, value = m.group(1).strip(), m.group(2), m.group(3)
    if path not in allowed:
        raise BadRequest(f"field label not supported: {path}")
    return FieldRequirement(path, op != "!=", _unescape(value))


def parse_field_selector(text: str | None, resource: str) -> FieldQuery:
    """Parse a `fieldSelector` for `resource` (plural); unknown fields are a `BadRequest`."""
    if not text or not text.strip():
        return FieldQuery()
    allowed = COMMON_FIELDS + tuple(RESOURCE_FIELDS.get(resource, ()))
    terms = [t for t in _split_unescaped(text, ",") if t.strip()]
    return FieldQuery(tuple(_parse_field_term(t.strip(), allowed, text) for t in terms))


@attrs.frozen
class Selection:
    """Label and field selectors of one list or watch request, applied together."""

    labels: LabelQuery = LabelQuery()
    fields: FieldQuery = FieldQuery()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Tell whether a wire object passes both selectors."""
        meta = obj.get("metadata") or {}
        return self.labels.matches(meta.get("labels")) and self.fields.matches(obj)

    @property
    def everything(self) -> bool:
        """True when nothing is filtered out."""
        return self.labels.empty and self.fields.empty


__all__ = [
    "COMMON_FIELDS",
    "RESOURCE_FIELDS",
    "FieldQuery",
    "FieldRequirement",
    "LabelQuery",
    "LabelRequirement",
    "Selection",
    "field_value",
    "parse_field_selector",
    "parse_label_selector",
]
