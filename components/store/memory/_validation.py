"""Argument checks shared by the memory store's requests: one clear sentence per mistake."""

from __future__ import annotations

from kernel.interfaces.store import (
    Compare,
    DeleteOp,
    InvalidRequestError,
    PutOp,
    RangeOp,
    TxnOp,
    in_range,
)

_INT_TARGETS = frozenset({"version", "create_revision", "mod_revision"})
_OPS = frozenset({"=", "!=", "<", ">"})


def check_key(key: object, what: str = "key") -> bytes:
    """Return `key` if it is non-empty bytes, else raise `InvalidRequestError` naming it."""
    if not isinstance(key, bytes):
        raise InvalidRequestError(f"{what} must be bytes, got {type(key).__name__}")
    if not key:
        raise InvalidRequestError(f"{what} must not be empty")
    return key


def check_range_end(range_end: object) -> bytes | None:
    """Return `range_end` if it is None or bytes."""
    if range_end is not None and not isinstance(range_end, bytes):
        raise InvalidRequestError(
            f"range_end must be bytes or None, got {type(range_end).__name__}"
        )
    return range_end


def check_non_negative(value: object, what: str) -> int:
    """Return `value` if it is an int >= 0."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidRequestError(f"{what} must be an integer >= 0, got {value!r}")
    return value


def check_compare(compare: object) -> Compare:
    """Check one txn guard's shape: a known target and op, an operand of the right type."""
    if not isinstance(compare, Compare):
        raise InvalidRequestError(f"compares must hold Compare values, got {compare!r}")
    check_key(compare.key, "Compare.key")
    if compare.op not in _OPS:
        raise InvalidRequestError(f"Compare.op must be one of = != < >, got {compare.op!r}")
    if compare.target == "value":
        if not isinstance(compare.operand, bytes):
            raise InvalidRequestError("Compare.operand must be bytes when target is 'value'")
    elif compare.target in _INT_TARGETS:
        if not isinstance(compare.operand, int) or isinstance(compare.operand, bool):
            raise InvalidRequestError(
                f"Compare.operand must be an int when target is {compare.target!r}"
            )
    else:
        raise InvalidRequestError(
            "Compare.target must be value, version, create_revision or mod_revision, "
            f"got {compare.target!r}"
        )
    return compare


def check_branch(ops: object, branch: str) -> tuple[TxnOp, ...]:
    """Check a txn branch: known op types, valid keys, and no key written twice.

    etcd's rule ("duplicate key given in txn request"): two puts of one key, or a put of a key
    that a delete in the same branch also covers, make the whole txn invalid.
    """
    result = tuple(ops)  # type: ignore[call-overload]
    put_keys: dict[bytes, None] = {}
    deletes: list[DeleteOp] = []
    for op in result:
        if isinstance(op, PutOp):
            check_key(op.key, f"{branch} PutOp.key")
            if not isinstance(op.value, bytes):
                raise InvalidRequestError(f"{branch} PutOp.value must be bytes")
            check_non_negative(op.lease, f"{branch} PutOp.lease")
            if op.key in put_keys:
                raise InvalidRequestError(f"duplicate key given in txn request: {op.key!r}")
            put_keys[op.key] = None
        elif isinstance(op, DeleteOp):
            check_key(op.key, f"{branch} DeleteOp.key")
            check_range_end(op.range_end)
            deletes.append(op)
        elif isinstance(op, RangeOp):
            check_key(op.key, f"{branch} RangeOp.key")
            check_range_end(op.range_end)
            check_non_negative(op.limit, f"{branch} RangeOp.limit")
        else:
            raise InvalidRequestError(f"{branch} ops must be RangeOp, PutOp or DeleteOp: {op!r}")
    for delete in deletes:
        for key in put_keys:
            if in_range(key, delete.key, delete.range_end):
                raise InvalidRequestError(f"duplicate key given in txn request: {key!r}")
    return result
