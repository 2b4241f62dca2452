"""The kubelab Store contract as a model: put / get / delete / txn with revisions in outputs.

Follows `kernel.interfaces.store`: one global revision (1 when empty) that every write request
raises by one; per key `create_revision`, `mod_revision`, `version`; txn compares as etcd's
(a missing key has version/revisions 0 and fails every value comparison). Keys and values are
strings in the history (JSON). Outputs are objects and only the fields a client recorded are
checked, so a harness may record as much or as little as it saw:

| f | input | ok output fields (all optional) |
| --- | --- | --- |
| `get` | `{key}` | `value` (null: missing), `create_revision`, `mod_revision`, |
| | | `version`, `revision` (the store's revision when served) |
| `put` | `{key, value}` | `revision`, `prev_value` |
| `delete` | `{key}` | `revision`, `deleted` |
| `txn` | `{compares, success, failure}` | `succeeded`, `revision`, `responses` |

A compare is `{key, target, op, operand}`; `responses` holds one output object per op of the
branch that ran. Branch ops are `{f, key[, value]}` with `f` in get/put/delete. The global
revision couples all keys, so this model does not partition.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from fault_injection.checker._history import UNKNOWN, Operation
from fault_injection.checker._model import Model, freeze

_TARGETS = ("value", "version", "create_revision", "mod_revision")
_OPS = ("=", "!=", "<", ">")
State = tuple[int, tuple[tuple[str, tuple[str, int, int, int]], ...]]


class StoreModel(Model):
    """A sequential kubelab Store (etcd v3 KV semantics, no leases or compaction)."""

    name = "store"

    def init(self) -> Hashable:
        return (1, ())

    def prepare(self, op: Operation) -> tuple[Hashable, Any]:
        inp = op.input if isinstance(op.input, dict) else {}
        if op.f in ("get", "put", "delete"):
            request = _simple(op.index, {"f": op.f, **inp})
        elif op.f == "txn":
            compares = tuple(_compare(op.index, c) for c in inp.get("compares", ()))
            success = tuple(_simple(op.index, o) for o in inp.get("success", ()))
            failure = tuple(_simple(op.index, o) for o in inp.get("failure", ()))
            request = ("txn", compares, success, failure)
        else:
            raise ValueError(
                f"op {op.index}: f={op.f!r} is not a store operation "
                "(expected get, put, delete, txn)"
            )
        out = op.output
        if out is UNKNOWN or out is None:
            return request, UNKNOWN if out is UNKNOWN else ()
        if not isinstance(out, dict):
            raise ValueError(  # noqa: TRY004 - the checker reports ValueError for bad operations
                f"op {op.index}: a store output must be an object, got {out!r}"
            )
        return request, freeze(out)

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Any]:
        rev, items = state
        kvs = dict(items)
        if input[0] == "txn":
            _, compares, success, failure = input
            ok = all(_holds(kvs.get(k), t, o, v) for k, t, o, v in compares)
            branch = success if ok else failure
            writes = any(b[0] != "get" for b in branch)
            new_rev = rev + 1 if writes else rev
            responses = tuple(_apply(kvs, b, new_rev) for b in branch)
            wrote = writes and any(r.get("_wrote") for r in responses)
            final_rev = new_rev if wrote else rev
            expected: dict[str, Any] = {"succeeded": ok, "revision": final_rev}
            if output is not UNKNOWN and not _matches(output, expected, responses, final_rev):
                return (False, state)
            return (True, (final_rev, tuple(sorted(kvs.items()))) if wrote else state)
        res = _apply(kvs, input, rev + 1)
        new_rev = rev + 1 if res.get("_wrote") else rev
        res.setdefault("revision", new_rev)
        if output is not UNKNOWN and not _subset(output, res):
            return (False, state)
        if not res.get("_wrote"):
            return (True, state)
        return (True, (new_rev, tuple(sorted(kvs.items()))))

    def read_only(self, input: Any, output: Any) -> bool:
        del output
        if input[0] == "get":
            return True
        return input[0] == "txn" and all(b[0] == "get" for b in (*input[2], *input[3]))

    def describe_state(self, state: Any) -> str:
        rev, items = state
        body = ", ".join(f"{k}={v[0]!r}@{v[2]}" for k, v in items)
        return f"rev {rev} {{{body}}}"


def _simple(index: int, spec: Any) -> tuple[Any, ...]:
    if not isinstance(spec, dict) or spec.get("f") not in ("get", "put", "delete"):
        raise ValueError(f"op {index}: a store request needs f get/put/delete, got {spec!r}")
    key = spec.get("key")
    if not isinstance(key, str) or not key:
        raise ValueError(f"op {index}: a store request needs a non-empty string 'key'")
    if spec["f"] == "put":
        value = spec.get("value")
        if not isinstance(value, str):
            raise ValueError(f"op {index}: put needs a string 'value'")
        return ("put", key, value)
    return (spec["f"], key)


def _compare(index: int, c: Any) -> tuple[str, str, str, Any]:
    if not isinstance(c, dict) or c.get("target") not in _TARGETS or c.get("op") not in _OPS:
        raise ValueError(
            f"op {index}: a compare needs key, target ({'/'.join(_TARGETS)}), "
            f"op ({' '.join(_OPS)}) and operand, got {c!r}"
        )
    return (str(c.get("key")), c["target"], c["op"], c.get("operand"))


def _holds(kv: tuple[str, int, int, int] | None, target: str, op: str, operand: Any) -> bool:
    if target == "value":
        if kv is None:
            return False
        have: Any = kv[0]
    else:
        have = (
            0 if kv is None else kv[{"create_revision": 1, "mod_revision": 2, "version": 3}[target]]
        )
    try:
        if op == "=":
            return have == operand
        if op == "!=":
            return have != operand
        return have < operand if op == "<" else have > operand
    except TypeError:
        return False


def _apply(kvs: dict[str, tuple[str, int, int, int]], req: tuple[Any, ...], rev: int) -> dict:
    """Apply one get/put/delete to `kvs` (in place) at write revision `rev`; its output."""
    key = req[1]
    cur = kvs.get(key)
    if req[0] == "get":
        if cur is None:
            return {"value": None, "create_revision": 0, "mod_revision": 0, "version": 0}
        return {
            "value": cur[0],
            "create_revision": cur[1],
            "mod_revision": cur[2],
            "version": cur[3],
        }
    if req[0] == "put":
        kvs[key] = (req[2], rev, rev, 1) if cur is None else (req[2], cur[1], rev, cur[3] + 1)
        return {"_wrote": True, "prev_value": None if cur is None else cur[0]}
    if cur is None:
        return {"deleted": 0}
    del kvs[key]
    return {"_wrote": True, "deleted": 1}


def _subset(output: tuple[tuple[str, Any], ...], expected: dict[str, Any]) -> bool:
    return all(name != "_wrote" and expected.get(name, _MISSING) == value for name, value in output)


def _matches(output: Any, expected: dict[str, Any], responses: tuple[dict, ...], rev: int) -> bool:
    for name, value in output:
        if name == "responses":
            if not isinstance(value, tuple) or len(value) != len(responses):
                return False
            for got, want in zip(value, responses, strict=True):
                want.setdefault("revision", rev)
                if not isinstance(got, tuple) or not _subset(got, want):
                    return False
        elif expected.get(name, _MISSING) != value:
            return False
    return True


_MISSING = object()
