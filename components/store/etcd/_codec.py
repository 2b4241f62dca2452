"""Translate between the Store contract's values and etcd's v3 JSON gateway messages.

The gateway speaks protobuf-JSON with the proto field names: bytes as base64, int64 as decimal
strings, and fields at their default value (0, false, empty) left out entirely, so every reader
here supplies the default itself.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from kernel.interfaces.store import (
    Compare,
    DeleteOp,
    DeleteResult,
    EventType,
    KeyValue,
    PutOp,
    PutResult,
    RangeOp,
    RangeResult,
    TxnOp,
    TxnOpResult,
    WatchEvent,
)

Json = dict[str, Any]


def b64(data: bytes) -> str:
    """Encode bytes for a protobuf-JSON `bytes` field."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str | None) -> bytes:
    """Decode a protobuf-JSON `bytes` field (absent means empty)."""
    return base64.b64decode(text) if text else b""


def as_int(value: object) -> int:
    """Decode a protobuf-JSON integer (int64 arrives as a string; absent means 0)."""
    return int(value) if value is not None else 0  # type: ignore[call-overload]


def header_revision(message: Mapping[str, Any]) -> int:
    """The `header.revision` of a response (0 when the gateway left it out)."""
    return as_int(message.get("header", {}).get("revision"))


def decode_kv(kv: Mapping[str, Any]) -> KeyValue:
    """An etcd mvccpb.KeyValue as a contract `KeyValue`."""
    return KeyValue(
        key=unb64(kv.get("key")),
        value=unb64(kv.get("value")),
        create_revision=as_int(kv.get("create_revision")),
        mod_revision=as_int(kv.get("mod_revision")),
        version=as_int(kv.get("version")),
        lease=as_int(kv.get("lease")),
    )


def _with_range_end(body: Json, range_end: bytes | None) -> Json:
    if range_end is not None:
        body["range_end"] = b64(range_end)
    return body


def range_request(
    key: bytes,
    range_end: bytes | None,
    *,
    revision: int = 0,
    limit: int = 0,
    keys_only: bool = False,
    count_only: bool = False,
) -> Json:
    """An etcd RangeRequest (serializable=false: reads are linearizable, as the contract's)."""
    body: Json = {"key": b64(key)}
    if revision:
        body["revision"] = str(revision)
    if limit:
        body["limit"] = str(limit)
    if keys_only:
        body["keys_only"] = True
    if count_only:
        body["count_only"] = True
    return _with_range_end(body, range_end)


def decode_range(message: Mapping[str, Any], revision: int | None = None) -> RangeResult:
    """An etcd RangeResponse as a `RangeResult` (`revision` overrides the header's)."""
    return RangeResult(
        kvs=tuple(decode_kv(kv) for kv in message.get("kvs", ())),
        count=as_int(message.get("count")),
        more=bool(message.get("more", False)),
        revision=header_revision(message) if revision is None else revision,
    )


def put_request(key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False) -> Json:
    """An etcd PutRequest."""
    body: Json = {"key": b64(key), "value": b64(value)}
    if lease:
        body["lease"] = str(lease)
    if prev_kv:
        body["prev_kv"] = True
    return body


def decode_put(message: Mapping[str, Any], revision: int | None = None) -> PutResult:
    """An etcd PutResponse as a `PutResult`."""
    prev = message.get("prev_kv")
    return PutResult(
        revision=header_revision(message) if revision is None else revision,
        prev_kv=decode_kv(prev) if prev else None,
    )


def delete_request(key: bytes, range_end: bytes | None, *, prev_kv: bool = False) -> Json:
    """An etcd DeleteRangeRequest."""
    body: Json = {"key": b64(key)}
    if prev_kv:
        body["prev_kv"] = True
    return _with_range_end(body, range_end)


def decode_delete(message: Mapping[str, Any], revision: int | None = None) -> DeleteResult:
    """An etcd DeleteRangeResponse as a `DeleteResult`."""
    return DeleteResult(
        revision=header_revision(message) if revision is None else revision,
        deleted=as_int(message.get("deleted")),
        prev_kvs=tuple(decode_kv(kv) for kv in message.get("prev_kvs", ())),
    )


_TARGETS = {
    "value": ("VALUE", "value"),
    "version": ("VERSION", "version"),
    "create_revision": ("CREATE", "create_revision"),
    "mod_revision": ("MOD", "mod_revision"),
}
_RESULTS = {"=": "EQUAL", "!=": "NOT_EQUAL", "<": "LESS", ">": "GREATER"}


def compare_message(compare: Compare) -> Json:
    """An etcd Compare for a contract `Compare` (the caller validated target and operand)."""
    target, field = _TARGETS[compare.target]
    operand = compare.operand
    encoded = b64(operand) if isinstance(operand, bytes) else str(operand)
    return {
        "key": b64(compare.key),
        "target": target,
        "result": _RESULTS[compare.op],
        field: encoded,
    }


def txn_op_message(op: TxnOp) -> Json:
    """An etcd RequestOp for one contract txn op."""
    if isinstance(op, RangeOp):
        return {
            "request_range": range_request(
                op.key, op.range_end, limit=op.limit, keys_only=op.keys_only,
                count_only=op.count_only,
            )
        }  # fmt: skip
    if isinstance(op, PutOp):
        return {"request_put": put_request(op.key, op.value, lease=op.lease, prev_kv=op.prev_kv)}
    return {"request_delete_range": delete_request(op.key, op.range_end, prev_kv=op.prev_kv)}


def decode_txn_responses(
    ops: Sequence[TxnOp], responses: Sequence[Mapping[str, Any]], revision: int
) -> tuple[TxnOpResult, ...]:
    """Decode the per-op results of the executed branch; each carries the txn's revision."""
    results: list[TxnOpResult] = []
    for op, response in zip(ops, responses, strict=True):
        if isinstance(op, RangeOp):
            results.append(decode_range(response.get("response_range", {}), revision))
        elif isinstance(op, PutOp):
            results.append(decode_put(response.get("response_put", {}), revision))
        elif isinstance(op, DeleteOp):
            results.append(decode_delete(response.get("response_delete_range", {}), revision))
    return tuple(results)


def decode_event(event: Mapping[str, Any]) -> WatchEvent:
    """An etcd mvccpb.Event as a `WatchEvent`."""
    prev = event.get("prev_kv")
    return WatchEvent(
        type=EventType.DELETE if event.get("type") == "DELETE" else EventType.PUT,
        kv=decode_kv(event.get("kv", {})),
        prev_kv=decode_kv(prev) if prev else None,
    )
