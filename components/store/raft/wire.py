"""Store values as plain data: what travels in log entries and client messages.

The contract's frozen attrs classes (`KeyValue`, `RangeResult`, `Compare`, `PutOp`, ...) become
``{"@": class name, field: value, ...}`` dicts and `EventType` becomes its string, so payloads
stay within None/bool/int/float/str/bytes/list/tuple/dict. Decoding turns every list back into
a tuple inside those classes (a transport may not keep tuples apart from lists).
Errors travel as ``{"error": class name, "text": message, ...fields}`` and are rebuilt as the
same `StoreError` subclass.
"""

from __future__ import annotations

from typing import Any

import attrs

from kernel.interfaces.store import (
    CompactedError,
    Compare,
    DeleteOp,
    DeleteResult,
    EventType,
    FutureRevisionError,
    InvalidRequestError,
    KeyValue,
    LeaseGrant,
    LeaseNotFoundError,
    LeaseStatus,
    PutOp,
    PutResult,
    RangeOp,
    RangeResult,
    StoreError,
    StoreStatus,
    StoreUnavailableError,
    TxnResult,
    WatchEvent,
)

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        KeyValue,
        WatchEvent,
        RangeResult,
        PutResult,
        DeleteResult,
        TxnResult,
        LeaseGrant,
        LeaseStatus,
        StoreStatus,
        Compare,
        RangeOp,
        PutOp,
        DeleteOp,
    )
}
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in attrs.fields(cls)) for cls in _CLASSES.values()
}


class WireError(ValueError):
    """A payload is not a value this module wrote (unknown class, missing field)."""


def to_wire(value: Any) -> Any:
    """Plain data for a Store value (attrs results, ops, events, sequences of them)."""
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is not None:
        out: dict[str, Any] = {"@": cls.__name__}
        for name in names:
            out[name] = to_wire(getattr(value, name))
        return out
    if cls is EventType:
        return value.value
    if cls in (list, tuple):
        return [to_wire(v) for v in value]
    if cls is dict:
        return {k: to_wire(v) for k, v in value.items()}
    return value


def from_wire(value: Any) -> Any:
    """Inverse of `to_wire` (sequences inside Store classes come back as tuples)."""
    if isinstance(value, dict):
        name = value.get("@")
        if name is None:
            return {k: from_wire(v) for k, v in value.items()}
        cls = _CLASSES.get(name)
        if cls is None:
            raise WireError(f"unknown store type {name!r} in payload")
        try:
            kwargs = {n: _field(n, value[n]) for n in _FIELDS[cls]}
        except KeyError as exc:
            raise WireError(f"{name} payload lacks field {exc.args[0]!r}") from None
        return cls(**kwargs)
    if isinstance(value, (list, tuple)):
        return [from_wire(v) for v in value]
    return value


def _field(name: str, value: Any) -> Any:
    if name == "type" and isinstance(value, str):
        return EventType(value)
    decoded = from_wire(value)
    return tuple(decoded) if isinstance(decoded, list) else decoded


_ERRORS: dict[str, type[StoreError]] = {
    cls.__name__: cls
    for cls in (
        StoreError,
        CompactedError,
        FutureRevisionError,
        LeaseNotFoundError,
        InvalidRequestError,
        StoreUnavailableError,
    )
}


def error_to_wire(exc: StoreError) -> dict[str, Any]:
    """Plain data naming the error class, its message and its fields."""
    out: dict[str, Any] = {"error": type(exc).__name__, "text": str(exc)}
    out.update(
        {
            key: val
            for key, val in vars(exc).items()
            if isinstance(val, (bool, int, float, str)) and not key.startswith("_")
        }
    )
    return out


def error_from_wire(doc: dict[str, Any]) -> StoreError:
    """Rebuild the `StoreError` subclass `error_to_wire` described (base class if unknown)."""
    cls = _ERRORS.get(str(doc.get("error")), StoreError)
    exc = cls.__new__(cls)
    exc.args = (str(doc.get("text", "")),)
    for key, val in doc.items():
        if key not in ("error", "text", "type", "in_reply_to", "code", "leader"):
            setattr(exc, key, val)
    if cls is StoreUnavailableError and not hasattr(exc, "definite"):
        exc.definite = False  # type: ignore[attr-defined]
    return exc


__all__ = ["WireError", "error_from_wire", "error_to_wire", "from_wire", "to_wire"]
