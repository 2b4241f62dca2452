"""A set of values for labs: `add` and `read` (the whole set), like Jepsen's set workload.

Operations (JSON): `add` with input the value (output ignored); `read` with input `null` and
ok output the list of values present (order irrelevant). The state is a frozenset.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from fault_injection.checker._history import UNKNOWN, Operation
from fault_injection.checker._model import Model, freeze

_ADD, _READ = 0, 1


class SetModel(Model):
    """A grow-only set, initially empty."""

    name = "set"

    def init(self) -> Hashable:
        return frozenset()

    def prepare(self, op: Operation) -> tuple[Hashable, Any]:
        if op.f == "add":
            return (_ADD, freeze(op.input)), None
        if op.f == "read":
            out = op.output
            if out is UNKNOWN:
                return (_READ, None), out
            if not isinstance(out, list | tuple):
                raise ValueError(f"op {op.index}: a set read's output must be a list, got {out!r}")
            return (_READ, None), frozenset(freeze(v) for v in out)
        raise ValueError(f"op {op.index}: f={op.f!r} is not a set operation (expected add, read)")

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Any]:
        code, arg = input
        if code == _ADD:
            return (True, state | {arg})
        return (output is UNKNOWN or output == state, state)

    def read_only(self, input: Any, output: Any) -> bool:
        del output
        return input[0] == _READ

    def describe_state(self, state: Any) -> str:
        return "{" + ", ".join(sorted(map(str, state))) + "}"
