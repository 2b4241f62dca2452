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

from kernel.cli.ages import age, human_duration
from kernel.cli.columns import KIND_COLUMNS, Column, age_column, cell_name, cell_namespace
from kernel.cli.errors import UserError
from kernel.cli.kinds import object_ref
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
    """Rows for one resource: its columns, ``-o wide`` extras, a NAMESPACE column for ``-A``."""

    info: ResourceInfo
    wide: bool = False
    all_namespaces: bool = False

    def columns(self) -> list[Column]:
        """The columns to print, in order."""
        normal, extra = KIND_COLUMNS.get(self.info.plural, ((), ()))
        if not normal:
            normal = (Column("NAME", cell_name), age_column)
        cols = list(normal) + (list(extra) if self.wide else [])
        if self.all_namespaces and self.info.namespaced:
            cols.insert(0, Column("NAMESPACE", cell_namespace))
        return cols

    def header(self) -> list[str]:
        """The header row."""
        return [c.header for c in self.columns()]

    def row(self, obj: Obj, now: float) -> list[str]:
        """One object's cells."""
        return [c.cell(obj, now) for c in self.columns()]

    def table(self, objs: Iterable[Obj], now: float, *, header: bool = True) -> str:
        """The aligned table of `objs`."""
        rows = [self.header()] if header else []
        rows += [self.row(o, now) for o in objs]
        return render_table(rows)


def with_kind(info: ResourceInfo, obj: Obj) -> Obj:
    """The object with its kind and apiVersion first (lists may leave them out)."""
    rest = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    return {"apiVersion": info.api_version, "kind": info.kind, **rest}


def as_list(info: ResourceInfo, objs: Sequence[Obj]) -> Obj:
    """Kubectl's ``kind: List`` wrapper for several objects in yaml/json output."""
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [with_kind(info, o) for o in objs],
        "metadata": {"resourceVersion": ""},
    }


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


def format_objects(
    info: ResourceInfo,
    objs: Sequence[Obj],
    output: str | None,
    now: float,
    *,
    single: bool = False,
    all_namespaces: bool = False,
) -> str:
    """The whole output of a get: a table, names, or one YAML/JSON object or List."""
    if output == "name":
        return "".join(object_ref(info, cell_name(o, now)) + "\n" for o in objs)
    if output in ("yaml", "json"):
        doc = with_kind(info, objs[0]) if single and objs else as_list(info, objs)
        return (to_yaml if output == "yaml" else to_json)(doc)
    printer = TablePrinter(info, wide=output == "wide", all_namespaces=all_namespaces)
    return printer.table(objs, now)


def watch_formatter(
    info: ResourceInfo, output: str | None, all_namespaces: bool
) -> Callable[[Obj, float], str]:
    """How each event of ``get -w`` prints: a table row (no header), a name, or a document."""
    if output == "name":
        return lambda obj, now: object_ref(info, cell_name(obj, now)) + "\n"
    if output == "yaml":
        return lambda obj, _now: "---\n" + to_yaml(with_kind(info, obj))
    if output == "json":
        return lambda obj, _now: to_json(with_kind(info, obj))
    printer = TablePrinter(info, wide=output == "wide", all_namespaces=all_namespaces)
    return lambda obj, now: printer.table([obj], now, header=False)


__all__ = [
    "OUTPUT_FORMATS",
    "TablePrinter",
    "age",
    "as_list",
    "check_output_format",
    "format_objects",
    "human_duration",
    "render_table",
    "to_json",
    "to_yaml",
    "watch_formatter",
    "with_kind",
]
