"""What a model is: a sequential specification the checker replays operations against.

A model is a small pure object. The checker calls `prepare` once per operation to turn the
JSON-able input/output into hashable values, then `step(state, input, output)` many times in
its inner loop, so `step` should be cheap and states small, immutable and hashable (ints,
strings, tuples, frozensets). `partition` splits a history into independent sub-histories that
are checked one by one (P-compositionality: a history is linearizable iff every part is).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from fault_injection.checker._history import UNKNOWN, Operation


def freeze(value: Any) -> Hashable:
    """Turn a JSON-like value into a hashable one (lists to tuples, dicts to sorted items)."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    return value


class Model:
    """Base class of deterministic models: override `init`, `step` and the describe methods.

    `step` returns ``(True, next_state)`` when the operation, applied to `state`, could have
    produced `output`, else ``(False, state)``. For an indeterminate operation `output` is
    `UNKNOWN` and `step` must return ``(True, ...)`` in every state: the operation may have
    done its effect (the next state) or, equivalently for the checker, happened last.
    """

    name: str = "model"
    nondeterministic: bool = False

    def init(self) -> Hashable:
        """The initial state."""
        raise NotImplementedError

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Any]:
        """Apply one operation; see the class docstring."""
        raise NotImplementedError

    def prepare(self, op: Operation) -> tuple[Hashable, Any]:
        """Return the `(input, output)` pair `step` sees for `op` (default: `(f, input)`).

        Raise `ValueError` naming the field when the operation does not fit the model.
        """
        out = op.output if op.output is UNKNOWN else freeze(op.output)
        return (op.f, freeze(op.input)), out

    def read_only(self, input: Any, output: Any) -> bool:
        """True when this prepared operation leaves every state unchanged (a read, a failed cas).

        Optional speed-up, default `False`. It must hold in *every* state where the step is
        legal, not just the current one: then a fitting read-only operation can be placed at
        once and the search never tries alternatives in its place.
        """
        del input, output
        return False

    def partition(self, operations: Sequence[Operation]) -> list[tuple[str, list[Operation]]]:
        """Split into independent `(label, operations)` parts; default: one part."""
        return [("", list(operations))]

    def precheck(self, operations: Sequence[Operation]) -> tuple[str, list[int]] | None:
        """A fast, sound necessary condition: `(reason, op indices)` when surely illegal.

        Must never report a linearizable history; returning `None` decides nothing.
        """
        del operations
        return None

    def describe_operation(self, op: Operation) -> str:
        """One short line for reports, e.g. ``write(3)`` or ``read() -> 3``."""
        text = f"{op.f}({'' if op.input is None else _short(op.input)})"
        if op.definite:
            text += f" -> {_short(op.output)}"
        elif op.outcome.value == "info":
            text += " -> ?"
        return text

    def describe_state(self, state: Any) -> str:
        """A short rendering of a state for reports."""
        return _short(state)


class NondeterministicModel(Model):
    """A model whose step may lead to several states: override `step_all` instead of `step`.

    The checker explores the power set: its state is the frozenset of states the
    specification could be in, and an operation is legal when at least one of them allows it.
    """

    nondeterministic = True

    def step_all(self, state: Any, input: Any, output: Any) -> Iterable[Any]:
        """Every state `state` can move to by this operation with this output (empty: illegal)."""
        raise NotImplementedError

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Any]:
        """Power-set step over the frozenset `state` (used by the checker)."""
        nxt: set[Any] = set()
        step_all = self.step_all
        for s in state:
            nxt.update(step_all(s, input, output))
        return (bool(nxt), frozenset(nxt))

    def describe_state(self, state: Any) -> str:
        if isinstance(state, frozenset):
            return " | ".join(
                sorted(super(NondeterministicModel, self).describe_state(s) for s in state)
            )
        return super().describe_state(state)


def initial_search_state(model: Model) -> Any:
    """The state the search starts from (a singleton set for nondeterministic models)."""
    init = model.init()
    return frozenset((init,)) if model.nondeterministic else init


def _short(value: Any, limit: int = 60) -> str:
    text = "nil" if value is None else repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
