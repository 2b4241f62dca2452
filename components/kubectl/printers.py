"""How `kubelab get` prints objects: kubectl's columns per kind, AGE, and -o wide|yaml|json|name.

Objects are wire dicts (what the API server sends), so fields the object model lacks still
print. Columns follow kubectl's built-in printers; a kind without its own columns gets NAME and
AGE. `now` is passed in (seconds since the epoch) so ages are testable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import yaml

from components.kubectl.ages import age, human_duration
from components.kubectl.columns import (
    KIND_COLUMNS,
    NONE,
    Column,
    age_column,
    cell_name,
    cell_namespace,
)
from components.kubectl.kinds import object_ref, qualified_kind
from kernel.cli.errors import UserError
from kernel.objects import ResourceInfo

Obj = dict[str, Any]
OUTPUT_FORMATS = ("wide", "yaml", "json", "name")
PADDING = 3
"""Spaces between columns (kubectl's tabwriter padding)."""
MIN_WIDTH = 6
"""Narrowest column including padding (kubectl's tabwriter minimum width)."""


def render_table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns padded like kubectl's tabwriter (the last column is not padded)."""
    if not rows:
        return ""
    widths = [max(MIN_WIDTH, max(len(r[i]) for r in rows) + PADDING) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append(("".join(cells) + row[-1]).rstrip())
    return "\n".join(lines) + "\n"


@attrs.frozen
class TablePrinter:
    """Rows for one resource: its columns, ``-o wide`` extras, a NAMESPACE column for ``-A``.

    `show_kind` prefixes names with the kind (``service/web``), as kubectl does when one get
    prints several resource types; `label_columns` (``-L``) and `show_labels` add label
    columns at the end, LABELS last.
    """

    info: ResourceInfo
    wide: bool = False
    all_namespaces: bool = False
    show_kind: bool = False
    label_columns: tuple[str, ...] = ()
    show_labels: bool = False

    def columns(self) -> list[Column]:
        """The columns to print, in order."""
        normal, extra = KIND_COLUMNS.get(self.info.plural, ((), ()))
        if not normal:
            normal = (Column("NAME", cell_name), age_column)
        cols = list(normal) + (list(extra) if self.wide else [])
        if self.show_kind:
            prefix = qualified_kind(self.info)
            cols = [
                Column("NAME", lambda o, n: f"{prefix}/{cell_name(o, n)}")
                if c.header == "NAME"
                else c
                for c in cols
            ]
        if self.all_namespaces and self.info.namespaced:
            cols.insert(0, Column("NAMESPACE", cell_namespace))
        cols += [label_value_column(key) for key in self.label_columns]
        if self.show_labels:
            cols.append(Column("LABELS", cell_labels))
        return cols

    def header(self) -> list[str]:
        """The header row."""
        return [c.header for c in self.columns()]

    def row(self, obj: Obj, now: float) -> list[str]:
        """One object's cells."""
        return [c.cell(obj, now) for c in self.columns()]

    def table(self, objs: Iterable[Obj], now: float, *, header: bool = True) -> str:
        """The aligned table of `objs`."""
        cols = self.columns()
        rows = [[c.header for c in cols]] if header else []
        rows += [[c.cell(o, now) for c in cols] for o in objs]
        return render_table(rows)


def label_value_column(key: str) -> Column:
    """A ``-L key`` column: header the key's last path part in capitals, cell the value."""
    header = key.rsplit("/", 1)[-1].upper()
    return Column(
        header, lambda o, _n: str(((o.get("metadata") or {}).get("labels") or {}).get(key, ""))
    )


def cell_labels(obj: Obj, _now: float) -> str:
    """``--show-labels``: ``k=v`` pairs sorted by key, or ``<none>``."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) or NONE


def with_kind(info: ResourceInfo, obj: Obj) -> Obj:
    """The object with its kind and apiVersion first (lists may leave them out)."""
    rest = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    return {"apiVersion": info.api_version, "kind": info.kind, **rest}


def _list_of(items: list[Obj]) -> Obj:
    """Kubectl's ``kind: List`` wrapper for several objects in yaml/json output."""
    return {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}


def to_yaml(doc: Obj) -> str:
    """A YAML document in the object's own key order."""
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)


def to_json(doc: Obj) -> str:
    """Indented JSON as kubectl prints it."""
    return json.dumps(doc, indent=4, ensure_ascii=False) + "\n"


def check_output_format(output: str | None) -> None:
    """`UserError` unless `output` is one of the supported ``-o`` values."""
    if output is not None and output not in OUTPUT_FORMATS:
        raise UserError(
            f'unable to match a printer suitable for the output format "{output}", '
            f"allowed formats are: {','.join(OUTPUT_FORMATS)}"
        )


def format_results(
    results: Sequence[tuple[ResourceInfo, Sequence[Obj]]],
    output: str | None,
    now: float,
    *,
    single: bool = False,
    all_namespaces: bool = False,
    show_kind: bool = False,
    label_columns: tuple[str, ...] = (),
    show_labels: bool = False,
) -> str:
    """The whole output of a get over one or more resource types, as kubectl prints it.

    Tables: one per type that has objects, separated by a blank line. Names: ``kind/name``
    lines. YAML/JSON: the object itself when one object was asked for by name (`single`),
    else a ``kind: List`` of every object.
    """
    if output == "name":
        return "".join(
            object_ref(info, cell_name(o, now)) + "\n" for info, objs in results for o in objs
        )
    if output in ("yaml", "json"):
        items = [with_kind(info, o) for info, objs in results for o in objs]
        doc = items[0] if single and len(items) == 1 else _list_of(items)
        return (to_yaml if output == "yaml" else to_json)(doc)
    tables = [
        TablePrinter(
            info,
            wide=output == "wide",
            all_namespaces=all_namespaces,
            show_kind=show_kind,
            label_columns=label_columns,
            show_labels=show_labels,
        ).table(objs, now)
        for info, objs in results
        if objs
    ]
    return "\n".join(tables)


def watch_formatter(
    info: ResourceInfo,
    output: str | None,
    all_namespaces: bool,
    *,
    label_columns: tuple[str, ...] = (),
    show_labels: bool = False,
) -> Callable[[Obj, float], str]:
    """How each event of ``get -w`` prints: a table row (no header), a name, or a document."""
    if output == "name":
        return lambda obj, now: object_ref(info, cell_name(obj, now)) + "\n"
    if output == "yaml":
        return lambda obj, _now: "---\n" + to_yaml(with_kind(info, obj))
    if output == "json":
        return lambda obj, _now: to_json(with_kind(info, obj))
    printer = TablePrinter(
        info,
        wide=output == "wide",
        all_namespaces=all_namespaces,
        label_columns=label_columns,
        show_labels=show_labels,
    )
    return lambda obj, now: printer.table([obj], now, header=False)


__all__ = [
    "OUTPUT_FORMATS",
    "TablePrinter",
    "age",
    "cell_labels",
    "check_output_format",
    "format_results",
    "human_duration",
    "label_value_column",
    "render_table",
    "to_json",
    "to_yaml",
    "watch_formatter",
    "with_kind",
]
