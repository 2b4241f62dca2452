"""etcd's error answers, recognised by their message, and how each maps onto the contract.

The gateway answers a failed call with a non-200 status and `{"error", "message", "code"}`,
where `message` is the gRPC status message (etcd's `rpctypes` strings, e.g.
"etcdserver: requested lease not found") and `code` the gRPC code. Errors that need more
context than the message (the compaction boundary, the current revision, the lease id) are
finished by the store, which knows the request.
"""

from __future__ import annotations

import enum

import attrs

from kernel.interfaces.store import InvalidRequestError, StoreUnavailableError


class EtcdErrorKind(enum.Enum):
    """The contract-relevant class of an etcd error answer."""

    COMPACTED = "compacted"
    FUTURE_REVISION = "future revision"
    LEASE_NOT_FOUND = "lease not found"
    INVALID = "invalid request"
    UNAVAILABLE_DEFINITE = "unavailable, not applied"
    UNAVAILABLE = "unavailable, maybe applied"


_BY_MESSAGE = {
    "mvcc: required revision has been compacted": EtcdErrorKind.COMPACTED,
    "mvcc: required revision is a future revision": EtcdErrorKind.FUTURE_REVISION,
    "etcdserver: requested lease not found": EtcdErrorKind.LEASE_NOT_FOUND,
    "lease not found": EtcdErrorKind.LEASE_NOT_FOUND,
    # Rejected before being proposed to Raft, so certainly not applied.
    "etcdserver: no leader": EtcdErrorKind.UNAVAILABLE_DEFINITE,
    "etcdserver: too many requests": EtcdErrorKind.UNAVAILABLE_DEFINITE,
    "etcdserver: not capable": EtcdErrorKind.UNAVAILABLE_DEFINITE,
    "etcdserver: unhealthy cluster": EtcdErrorKind.UNAVAILABLE_DEFINITE,
}

# gRPC codes: 3 INVALID_ARGUMENT, 6 ALREADY_EXISTS, 8 RESOURCE_EXHAUSTED (request too large),
# 9 FAILED_PRECONDITION ("lease already exists"), 11 OUT_OF_RANGE.
_INVALID_CODES = frozenset({3, 6, 8, 9, 11})


@attrs.frozen
class EtcdServerError(Exception):
    """An error answer from etcd (HTTP status != 200)."""

    http_status: int
    code: int
    message: str

    def __str__(self) -> str:
        return f"etcd answered {self.http_status}: {self.message} (gRPC code {self.code})"

    @property
    def kind(self) -> EtcdErrorKind:
        """Classify by message first (etcd's strings are stable), then by gRPC code."""
        text = self.message.removeprefix("etcdserver: ") if "mvcc:" in self.message else None
        if text is not None and text in _BY_MESSAGE:
            return _BY_MESSAGE[text]
        if self.message in _BY_MESSAGE:
            return _BY_MESSAGE[self.message]
        if self.code in _INVALID_CODES:
            return EtcdErrorKind.INVALID
        return EtcdErrorKind.UNAVAILABLE

    def simple_error(self, *, write: bool) -> Exception:
        """The contract error for kinds that need no extra context (invalid, unavailable).

        A read never takes effect, so a failed read is always definite; a write that etcd
        may have proposed before failing (request timed out, leader changed, ...) is not.
        """
        kind = self.kind
        if kind is EtcdErrorKind.INVALID:
            return InvalidRequestError(f"etcd rejected the request: {self.message}")
        definite = kind is EtcdErrorKind.UNAVAILABLE_DEFINITE or not write
        return StoreUnavailableError(f"etcd: {self.message}", definite=definite)
