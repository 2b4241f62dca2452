"""What the harness relies on from the checker, pinned with histories the harness produced."""

from __future__ import annotations

from fault_injection.checker import RegisterModel, check, make_history


def test_a_write_that_keeps_the_value_still_orders_against_a_concurrent_write() -> None:
    """w1; then w2 and w1' overlap; a later read sees 1: valid as w1, w2, w1', r.

    Shrunk from a memory-store chaos run (seed 1, 20 s, no faults) that the checker once
    called illegal: a write of the value already held is not free to move like a read.
    """
    rows = [
        (3, "write", 1, None, 1.2207, 1.2260),
        (4, "write", 2, None, 1.2876, 1.3079),
        (3, "write", 1, None, 1.3003, 1.3026),
        (0, "read", None, 1, 1.3125, 1.3208),
    ]
    assert check(make_history(rows), RegisterModel()).verdict.value == "ok"
