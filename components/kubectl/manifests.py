"""Manifests on the command line (``-f FILE|DIR|-``): reading them and where each object lives."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from components.kubectl.connection import namespace_for
from components.kubectl.flags import label_query
from components.kubectl.kinds import resolve_manifest_kind
from kernel.api.requests import Target
from kernel.cli.errors import UserError
from kernel.client.kubeconfig import KubeconfigInfo
from kernel.objects import ManifestError, load_manifests, to_dict

Obj = dict[str, Any]


def read_manifests(files: list[str], verb: str = "apply") -> list[Obj]:
    """Wire dicts of every object in the files (``-`` is stdin, a folder its YAML/JSON files).

    An unreadable or non-UTF-8 file, invalid YAML or no object at all is a `UserError` (the
    last naming `verb`, as kubectl's ``no objects passed to apply``).
    """
    docs: list[Obj] = []
    for name in files:
        paths: list[Path | None] = [None] if name == "-" else [Path(name)]
        if name != "-" and Path(name).is_dir():
            paths = sorted(
                p for p in Path(name).iterdir() if p.suffix in (".yaml", ".yml", ".json")
            )
        for path in paths:
            try:
                text = sys.stdin.read() if path is None else path.read_text(encoding="utf-8")
            except OSError as err:
                raise UserError(f"{name}: cannot read manifest: {err.strerror}") from None
            except UnicodeDecodeError:
                where = "stdin" if path is None else str(path)
                raise UserError(f"{where}: cannot read manifest: not UTF-8 text") from None
            try:
                objects = load_manifests(text, source="<stdin>" if path is None else str(path))
            except ManifestError as err:
                raise UserError(str(err)) from None
            for obj in objects:
                doc = to_dict(obj)
                if not doc.get("status"):
                    doc.pop("status", None)
                docs.append(doc)
    if not docs:
        raise UserError(f"no objects passed to {verb} (files: {', '.join(files)})")
    return docs


def manifest_target(doc: Obj, namespace: str | None, config: KubeconfigInfo) -> Target:
    """Where a manifest's object lives; its namespace must agree with an explicit ``-n``."""
    info = resolve_manifest_kind(str(doc.get("kind", "")), str(doc.get("apiVersion", "")))
    meta = doc.setdefault("metadata", {})
    name = str(meta.get("name") or "")
    if not name:
        raise UserError(f"a {info.kind} in the manifests has no metadata.name")
    own = meta.get("namespace")
    if info.namespaced:
        if own and namespace and own != namespace:
            raise UserError(
                f'the namespace from the provided object "{own}" does not match '
                f"the namespace \"{namespace}\". You must pass '--namespace={own}' "
                "to perform this operation."
            )
        meta["namespace"] = own or namespace_for(info, namespace, config)
    return Target(info, meta.get("namespace", "") if info.namespaced else "", name)


def matching(docs: list[Obj], selector: str) -> list[Obj]:
    """The manifests whose labels match ``-l`` (kubectl filters files by the selector)."""
    if not selector:
        return docs
    query = label_query(selector)
    return [d for d in docs if query.matches((d.get("metadata") or {}).get("labels") or {})]


__all__ = ["manifest_target", "matching", "read_manifests"]
