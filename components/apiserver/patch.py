"""The three patch formats Kubernetes accepts, applied to wire (JSON) objects.

* JSON merge patch (RFC 7386, ``application/merge-patch+json``): objects merge, ``null``
  deletes, anything else replaces.
* JSON patch (RFC 6902, ``application/json-patch+json``): a list of add/remove/replace/move/
  copy/test operations on JSON pointers (RFC 6901).
* Strategic merge patch (``application/strategic-merge-patch+json``): a merge patch that merges
  the common lists by key (containers, volumes, env by ``name``; container ports by
  ``containerPort``; service ports by ``port``; ...) instead of replacing them, with the
  ``$patch: replace|delete`` and ``$deleteFromPrimitiveList/<field>`` directives.

All functions are pure: the inputs are never mutated. A malformed patch raises `BadRequest`;
a patch that does not apply (failed ``test``, missing path) raises `Invalid` (422), as
Kubernetes answers. Work and output are bounded (`patch_limits`): too many operations is
422, a patched object past 3 MiB is 413, refused before the copies that would make it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from components.apiserver.patch_limits import (
    PatchBudget,
    check_operations,
    check_result,
    json_size,
)
from kernel.api.errors import BadRequest, Invalid
from kernel.api.patch_types import (
    JSON_PATCH,
    LIST_MERGE_KEYS,
    MERGE_PATCH,
    MERGED_PRIMITIVE_LISTS,
    PATCH_TYPES,
    STRATEGIC_MERGE_PATCH,
    merge_key,
)


class PatchFailed(Invalid):
    """A well-formed patch that cannot be applied to this object (422)."""


# --------------------------------------------------------------------------- RFC 7386


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON merge patch; returns a new value."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, Mapping) else {}
    for name, value in patch.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = merge_patch(out.get(name), value)
    return out


# --------------------------------------------------------------------------- RFC 6902


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise BadRequest(f"invalid JSON pointer {path!r}: must be empty or start with '/'")
    if path == "":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list[Any], token: str, path: str, *, allow_end: bool) -> int:
    if allow_end and token == "-":
        return len(container)
    if not (token.isascii() and token.isdigit()) or (token != "0" and token.startswith("0")):
        raise PatchFailed(f"invalid array index {token[:40]!r} in {path[:200]!r}")
    idx = int(token)
    limit = len(container) if allow_end else len(container) - 1
    if idx > limit:
        raise PatchFailed(f"array index {idx} out of bounds in {path!r}")
    return idx


def _parent(doc: Any, tokens: list[str], path: str) -> Any:
    cur = doc
    for tok in tokens[:-1]:
        if isinstance(cur, dict) and tok in cur:
            cur = cur[tok]
        elif isinstance(cur, list):
            cur = cur[_index(cur, tok, path, allow_end=False)]
        else:
            raise PatchFailed(f"path {path!r} not found: missing {tok!r}")
    return cur


def _get(doc: Any, path: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent, last = _parent(doc, tokens, path), tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, path, allow_end=False)]
    raise PatchFailed(f"path {path!r} not found")


def _add(doc: Any, path: str, value: Any) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent, last = _parent(doc, tokens, path), tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, path, allow_end=True), value)
    else:
        raise PatchFailed(f"cannot add at {path!r}: parent is not an object or array")
    return doc


def _remove(doc: Any, path: str) -> tuple[Any, Any]:
    tokens = _pointer(path)
    if not tokens:
        raise PatchFailed("cannot remove the whole document")
    parent, last = _parent(doc, tokens, path), tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, path, allow_end=False))
    raise PatchFailed(f"cannot remove {path!r}: not found")


def _op_field(op: Mapping[str, Any], name: str) -> Any:
    if name not in op:
        raise BadRequest(f"JSON patch operation {op.get('op')!r} is missing {name!r}")
    return op[name]


def _apply_op(doc: Any, op: Mapping[str, Any], budget: PatchBudget) -> Any:
    kind = op.get("op")
    path = _op_field(op, "path")
    if kind in ("add", "replace"):
        budget.add(_op_field(op, "value"))
    if kind == "add":
        return _add(doc, path, copy.deepcopy(_op_field(op, "value")))
    if kind == "remove":
        return _remove(doc, path)[0]
    if kind == "replace":
        _get(doc, path)  # must exist
        if not _pointer(path):
            return copy.deepcopy(_op_field(op, "value"))
        doc, _ = _remove(doc, path)
        return _add(doc, path, copy.deepcopy(_op_field(op, "value")))
    if kind in ("move", "copy"):
        src = _op_field(op, "from")
        if kind == "move" and path != src and path.startswith(src + "/"):
            raise PatchFailed(f"cannot move {src!r} into its own child {path!r}")
        found = _get(doc, src)
        if kind == "copy":
            budget.add(found)  # before the copy is made: twenty self-copies would be 2 GB
        value = copy.deepcopy(found)
        if kind == "move":
            doc, _ = _remove(doc, src)
        return _add(doc, path, value)
    if kind == "test":
        if _get(doc, path) != _op_field(op, "value"):
            raise PatchFailed(f"testing value {path} failed")
        return doc
    raise BadRequest(f"unknown JSON patch operation {kind!r}")


def json_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 6902 JSON patch (a list of operations) atomically; returns a new value."""
    if not isinstance(patch, list) or not all(isinstance(o, Mapping) for o in patch):
        raise BadRequest("a JSON patch must be a list of operation objects")
    check_operations(len(patch))
    doc = copy.deepcopy(target)
    budget = PatchBudget(json_size(doc))
    for op in patch:
        doc = _apply_op(doc, op, budget)
    return doc


# --------------------------------------------------------------------------- strategic merge

_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"
_SET_ORDER = "$setElementOrder/"


def _merge_list(name: str, target: Any, patch: list[Any]) -> list[Any]:
    current = list(target) if isinstance(target, list) else []
    if any(isinstance(i, Mapping) and i.get("$patch") == "replace" for i in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, Mapping) and "$patch" in i)]
    if name in MERGED_PRIMITIVE_LISTS and not any(isinstance(i, Mapping) for i in patch):
        return current + [copy.deepcopy(i) for i in patch if i not in current]
    key = merge_key(
        name, [i for i in patch if not (isinstance(i, Mapping) and "$patch" in i and len(i) == 1)]
    )
    if key is None:
        return [copy.deepcopy(i) for i in patch]
    out = [copy.deepcopy(i) for i in current]
    for item in patch:
        if not isinstance(item, Mapping) or key not in item:
            raise BadRequest(f"strategic merge patch: every element of {name!r} needs {key!r}")
        at = next(
            (
                n
                for n, cur in enumerate(out)
                if isinstance(cur, Mapping) and cur.get(key) == item[key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if at is not None:
                del out[at]
        elif at is None:
            out.append(strategic_merge_patch({}, item))
        else:
            out[at] = strategic_merge_patch(out[at], item)
    return out


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Apply a strategic merge patch (Kubernetes' list-aware merge); returns a new value."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    rest = {k: v for k, v in patch.items() if k != "$patch"}
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in rest.items() if not k.startswith("$")}
    if directive is not None:
        raise BadRequest(f"strategic merge patch: unknown $patch directive {directive!r}")
    out = dict(target) if isinstance(target, Mapping) else {}
    for name, value in rest.items():
        if name.startswith(_DELETE_PRIMITIVE):
            field = name.removeprefix(_DELETE_PRIMITIVE)
            if isinstance(out.get(field), list) and isinstance(value, list):
                out[field] = [v for v in out[field] if v not in value]
            continue
        if name.startswith(("$setElementOrder/", "$retainKeys")):
            continue  # ordering hints: elements keep their current order, new ones go last
        if value is None:
            out.pop(name, None)
        elif isinstance(value, list):
            out[name] = _merge_list(name, out.get(name), value)
        elif isinstance(value, Mapping):
            merged = strategic_merge_patch(out.get(name), value)
            if merged is None:
                out.pop(name, None)
            else:
                out[name] = merged
        else:
            out[name] = copy.deepcopy(value)
    return out


def apply_patch(patch_type: str, target: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """Apply a patch of `patch_type` (a content type) to a wire object, giving a new object."""
    target = copy.deepcopy(dict(target))  # results never share structure with the input
    if patch_type == JSON_PATCH:
        result = json_patch(target, patch)
    elif patch_type in (MERGE_PATCH, STRATEGIC_MERGE_PATCH):
        if not isinstance(patch, Mapping):
            raise BadRequest("a merge patch must be a JSON object")
        if patch_type == MERGE_PATCH:
            result = merge_patch(target, patch)
        else:
            result = strategic_merge_patch(target, patch)
    else:
        raise BadRequest(f"unsupported patch type {patch_type!r}")
    if not isinstance(result, dict):
        raise PatchFailed("the patched object is not a JSON object")
    check_result(result)
    return result


__all__ = [
    "JSON_PATCH",
    "LIST_MERGE_KEYS",
    "MERGED_PRIMITIVE_LISTS",
    "MERGE_PATCH",
    "PATCH_TYPES",
    "STRATEGIC_MERGE_PATCH",
    "PatchFailed",
    "apply_patch",
    "json_patch",
    "merge_key",
    "merge_patch",
    "strategic_merge_patch",
]
