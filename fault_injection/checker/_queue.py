"""A FIFO queue for labs: `enqueue` a value, `dequeue` the oldest (null when empty).

Operations (JSON): `enqueue` with input the value (output ignored); `dequeue` with input
`null` and ok output the value removed, or `null` for an empty queue. The state is a tuple.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from fault_injection.checker._history import UNKNOWN, Operation
from fault_injection.checker._model import NondeterministicModel, freeze

_ENQ, _DEQ = 0, 1


class QueueModel(NondeterministicModel):
    """A FIFO queue, initially empty.

    Nondeterministic because an indeterminate dequeue removes the head if there is one but
    its value is unknown; with a known output the step is deterministic.
    """

    name = "queue"

    def init(self) -> Hashable:
        return ()

    def prepare(self, op: Operation) -> tuple[Hashable, Any]:
        if op.f == "enqueue":
            return (_ENQ, freeze(op.input)), None
        if op.f == "dequeue":
            return (_DEQ, None), op.output if op.output is UNKNOWN else freeze(op.output)
        raise ValueError(
            f"op {op.index}: f={op.f!r} is not a queue operation (expected enqueue, dequeue)"
        )

    def step_all(self, state: Any, input: Any, output: Any) -> list[Any]:
        code, arg = input
        if code == _ENQ:
            return [(*state, arg)]
        if output is UNKNOWN:
            return [state[1:]]  # removed the head if any (empty: nothing happened)
        if not state:
            return [state] if output is None else []
        return [state[1:]] if state[0] == output else []

    def describe_state(self, state: Any) -> str:
        if isinstance(state, frozenset):
            return " | ".join(sorted(self.describe_state(s) for s in state))
        return "[" + ", ".join(map(str, state)) + "]"
