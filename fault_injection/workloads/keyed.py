"""`KeyedCasRegisterModel`: independent compare-and-set registers, one per key (lin-kv).

Maelstrom's `lin-kv` workload reads, writes and CASes many keys; keys are independent, so the
history is split per key and each part is checked as a `CasRegisterModel` (Jepsen's
`independent` checker does the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from fault_injection.checker import CasRegisterModel, Operation


def _plain(op: Operation) -> Any:
    inp = op.input
    if op.f == "write":
        return inp["value"]
    if op.f == "cas":
        return [inp["from"], inp["to"]]
    return None


class KeyedCasRegisterModel(CasRegisterModel):
    """CAS registers by key; inputs ``{"key": k, "value": v}`` / ``{"key", "from", "to"}``."""

    name = "lin-kv"

    def partition(self, operations: Sequence[Operation]) -> list[tuple[str, list[Operation]]]:
        parts: dict[str, list[Operation]] = {}
        for op in operations:
            inp = op.input
            if not isinstance(inp, dict) or "key" not in inp:
                raise ValueError(f"op {op.index}: lin-kv input needs a 'key', got {inp!r}")
            parts.setdefault(repr(inp["key"]), []).append(attrs.evolve(op, input=_plain(op)))
        return [(f"key {k}", ops) for k, ops in sorted(parts.items())]
