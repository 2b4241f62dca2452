"""Register models: a single value read and written by clients, optionally compare-and-set.

Operations (JSON):

| f | input | ok output |
| --- | --- | --- |
| `read` | `null` | the value read (any JSON scalar; `null` = nil) |
| `write` | the value | ignored (use `null`) |
| `cas` | `[from, to]` | `true` or `null` = swapped; `false` = compare failed, no effect |

A Jepsen-style client reports a failed compare as `fail` instead; both conventions work.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from fault_injection.checker._history import UNKNOWN, Operation
from fault_injection.checker._model import Model, freeze
from fault_injection.checker._prechecks import Read, Verdict, Write, register_rules

_READ, _WRITE, _CAS = 0, 1, 2


class CasRegisterModel(Model):
    """A register with read, write and compare-and-set, initially `initial` (nil)."""

    name = "cas-register"
    _allow_cas = True

    def __init__(self, initial: Hashable = None) -> None:
        self.initial = initial

    def init(self) -> Hashable:
        return self.initial

    def prepare(self, op: Operation) -> tuple[Hashable, Any]:
        out = op.output
        if op.f == "read":
            return (_READ, None), out if out is UNKNOWN else freeze(out)
        if op.f == "write":
            return (_WRITE, freeze(op.input)), None
        if op.f == "cas" and self._allow_cas:
            inp = op.input
            if not isinstance(inp, list | tuple) or len(inp) != 2:
                raise ValueError(f"op {op.index}: cas input must be [from, to], got {inp!r}")
            if out is not UNKNOWN and out not in (True, False, None):
                raise ValueError(f"op {op.index}: cas output must be true, false or null")
            return (_CAS, (freeze(inp[0]), freeze(inp[1]))), (
                out if out is UNKNOWN else out is not False
            )
        allowed = "read, write, cas" if self._allow_cas else "read, write"
        raise ValueError(
            f"op {op.index}: f={op.f!r} is not an operation of {self.name} (expected {allowed})"
        )

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Any]:
        code, arg = input
        if code == _READ:
            return (output is UNKNOWN or output == state, state)
        if code == _WRITE:
            return (True, arg)
        frm, to = arg
        if output is UNKNOWN:
            return (True, to if state == frm else state)
        if output:
            return (state == frm, to)
        return (state != frm, state)

    def read_only(self, input: Any, output: Any) -> bool:
        return input[0] == _READ or (input[0] == _CAS and output is False)

    def precheck(self, operations: Sequence[Operation]) -> Verdict:
        """Never-written and stale reads (see `register_rules`)."""
        writes: list[Write] = []
        reads: list[Read] = []
        for op in operations:
            inp, out = self.prepare(op)
            code, arg = inp
            if code == _READ:
                if op.definite and out is not UNKNOWN:
                    reads.append(Read(op, out))
            elif code == _WRITE:
                writes.append(Write(op, arg, op.definite))
            elif out is UNKNOWN:
                writes.append(Write(op, arg[1], False))
            elif out:
                writes.append(Write(op, arg[1], True))
                reads.append(Read(op, arg[0]))
        return register_rules(self.initial, writes, reads)

    def describe_operation(self, op: Operation) -> str:
        if op.f == "read":
            return f"read() -> {_v(op.output)}"
        if op.f == "write":
            return f"write({_v(op.input)})" + (" ?" if not op.definite else "")
        if op.f == "cas" and isinstance(op.input, list | tuple) and len(op.input) == 2:
            res = "?" if op.output is UNKNOWN else "false" if op.output is False else "ok"
            return f"cas({_v(op.input[0])} -> {_v(op.input[1])}) {res}"
        return super().describe_operation(op)

    def describe_state(self, state: Any) -> str:
        return _v(state)


class RegisterModel(CasRegisterModel):
    """A read/write register, initially `initial` (nil)."""

    name = "register"
    _allow_cas = False


def _v(value: Any) -> str:
    if value is UNKNOWN:
        return "?"
    return "nil" if value is None else str(value)
