"""Key-value map of strings, partitioned by key: get / put / append / delete.

Operations (JSON): input ``{"key": k}`` for `get` and `delete`, ``{"key": k, "value": v}`` for
`put` and `append`; keys and values are strings. A `get`'s ok output is the string read,
``""`` or ``null`` for a missing key (the model does not tell an empty value from a missing
key, like porcupine's and Jepsen's KV tests); other outputs are ignored. `append` concatenates.
Keys are independent, so the history is split per key and each key checked as a small register.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from fault_injection.checker._history import UNKNOWN, Operation
from fault_injection.checker._model import Model
from fault_injection.checker._prechecks import (
    Read,
    Verdict,
    Write,
    append_rules,
    register_rules,
)

_GET, _PUT, _APPEND, _DELETE = 0, 1, 2, 3
_CODES = {"get": _GET, "put": _PUT, "append": _APPEND, "delete": _DELETE}


def _field(op: Operation, name: str) -> str:
    inp = op.input
    if not isinstance(inp, dict) or name not in inp:
        raise ValueError(f"op {op.index}: {op.f} input needs field {name!r}, got {inp!r}")
    value = inp[name]
    if not isinstance(value, str):
        raise ValueError(  # noqa: TRY004 - the checker reports ValueError for bad operations
            f"op {op.index}: field {name!r} must be a string, got {value!r}"
        )
    return value


class KvModel(Model):
    """A map from string keys to string values (missing = ``""``), checked key by key."""

    name = "kv"

    def init(self) -> Hashable:
        return ""

    def prepare(self, op: Operation) -> tuple[Hashable, Any]:
        code = _CODES.get(op.f)
        if code is None:
            raise ValueError(
                f"op {op.index}: f={op.f!r} is not a kv operation "
                "(expected get, put, append, delete)"
            )
        _field(op, "key")
        if code == _GET:
            out = op.output
            if out is not UNKNOWN:
                if out is None:
                    out = ""
                elif not isinstance(out, str):
                    raise ValueError(
                        f"op {op.index}: get output must be a string or null, got {out!r}"
                    )
            return (_GET, None), out
        if code == _DELETE:
            return (_DELETE, None), None
        return (code, _field(op, "value")), None

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Any]:
        code, arg = input
        if code == _GET:
            return (output is UNKNOWN or output == state, state)
        if code == _PUT:
            return (True, arg)
        if code == _APPEND:
            return (True, state + arg)
        return (True, "")

    def read_only(self, input: Any, output: Any) -> bool:
        del output
        return input[0] == _GET

    def partition(self, operations: Sequence[Operation]) -> list[tuple[str, list[Operation]]]:
        parts: dict[str, list[Operation]] = {}
        for op in operations:
            parts.setdefault(_field(op, "key"), []).append(op)
        return [(f"key {k!r}", ops) for k, ops in sorted(parts.items())]

    def precheck(self, operations: Sequence[Operation]) -> Verdict:
        """Append-only keys: prefix rules; keys without appends: register rules."""
        reads: list[Read] = []
        writes: list[Write] = []
        appends: list[Write] = []
        for op in operations:
            (code, arg), out = self.prepare(op)
            if code == _GET:
                if op.definite and out is not UNKNOWN:
                    reads.append(Read(op, out))
            elif code == _APPEND:
                appends.append(Write(op, arg, op.definite))
            else:
                writes.append(Write(op, "" if code == _DELETE else arg, op.definite))
        if appends and not writes:
            return append_rules(appends, reads)
        if not appends:
            return register_rules("", writes, reads)
        return None

    def describe_operation(self, op: Operation) -> str:
        inp = op.input if isinstance(op.input, dict) else {}
        key = inp.get("key", "?")
        if op.f == "get":
            out = "?" if op.output is UNKNOWN else repr(op.output or "")
            return f"get({key}) -> {out}"
        if op.f == "delete":
            return f"delete({key})" + ("" if op.definite else " ?")
        return f"{op.f}({key}, {inp.get('value')!r})" + ("" if op.definite else " ?")

    def describe_state(self, state: Any) -> str:
        return repr(state)
