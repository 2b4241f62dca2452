"""Multi-document YAML manifests: load (``kubectl apply -f`` style) and dump.

YAML is read without PyYAML's implicit timestamps (Kubernetes keeps them as strings), ``List``
documents are flattened, empty documents skipped. Errors name the file and line for syntax
problems, and the file, document index and field path for schema problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ._codec import from_dict, to_dict
from ._errors import ManifestError, ValidationError
from ._meta import KubeObject

__all__ = ["dump_yaml", "load_manifest_file", "load_manifests"]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver (timestamps stay RFC 3339 strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Dumper(yaml.SafeDumper):
    """Block-style dumper that keeps key order and quotes strings YAML would misread."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)


def load_manifests(text: str, source: str = "<stdin>") -> list[KubeObject]:
    """Every object in a multi-document YAML (or JSON) text, in order."""
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        where = f"{source}:{line}" if line else source
        raise ManifestError(
            f"{where}: YAML syntax error: {problem}", source=source, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"{source}: YAML syntax error: {exc}", source=source) from None
    objects: list[KubeObject] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        for item_path, item in _flatten(document):
            objects.append(_decode_document(item, source, index, item_path))
    return objects


def _flatten(document: Any) -> Iterable[tuple[str, Any]]:
    if (
        isinstance(document, dict)
        and isinstance(document.get("kind"), str)
        and re.fullmatch(r".*List", document["kind"])
        and "items" in document
    ):
        items = document.get("items") or []
        if not isinstance(items, list):
            yield " items", items
            return
        for i, item in enumerate(items):
            yield f" items[{i}]", item
        return
    yield "", document


def _decode_document(item: Any, source: str, index: int, prefix: str) -> KubeObject:
    try:
        return from_dict(item)
    except ValidationError as exc:
        problems = "; ".join(str(e) for e in exc.errors)
        raise ManifestError(
            f"{source}: document {index}{prefix}: {problems}",
            source=source,
            document=index,
            errors=exc.errors,
        ) from None


def load_manifest_file(path: str | Path) -> list[KubeObject]:
    """Load a manifest file; a missing or unreadable file is a ManifestError naming it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"{p}: cannot read manifest: {exc.strerror}", source=str(p)) from None
    except UnicodeDecodeError:
        raise ManifestError(f"{p}: manifest is not UTF-8 text", source=str(p)) from None
    return load_manifests(text, source=str(p))


def dump_yaml(objs: KubeObject | Iterable[KubeObject]) -> str:
    """Objects as a multi-document YAML manifest (``---`` between documents)."""
    if isinstance(objs, KubeObject):
        objs = [objs]
    return yaml.dump_all(
        [to_dict(o) for o in objs], Dumper=_Dumper, sort_keys=False, default_flow_style=False
    )
