r"""The Store contract: an etcd-v3-shaped MVCC key-value store, the one place cluster state lives.

Implement `Store` and you can run the API server, the conformance suite and the chaos harness
on your store. The contract follows etcd's v3 API (KV, Watch, Lease) closely enough that a real
etcd passes the same conformance suite (`kernel.conformance.store`).

Rules every implementation keeps:

* **One global revision counter.** It starts at 1 for an empty store (etcd's convention) and
  goes up by exactly one for every request that changes something: a put, a delete that removes
  at least one key, a txn whose executed branch writes, a lease expiry or revoke that deletes
  keys. Reads, and deletes that match nothing, leave it alone. Every key/value written by one
  request carries that request's revision.
* **Per-key metadata.** `create_revision` is the revision that created the key (since its last
  deletion), `mod_revision` the revision of its last write, `version` the number of writes since
  creation (1 after the first put; a delete resets the key: a later put creates it anew).
* **Ranges.** `range_end=None` means just `key`; `range_end=b"\0"` means every key `>= key`;
  otherwise the half-open interval `[key, range_end)` in byte order. `prefix_end(p)` gives the
  `range_end` that selects every key starting with `p`. Results come in ascending key order.
* **History.** Reads at an older `revision` see the store as it was then. `compact(r)` discards
  history before `r`: afterwards reads with `0 < revision < r` and watches with
  `0 < start_revision < r` raise `CompactedError`. Reading at exactly `r` still works.
* **Watches.** Events for keys in the range, in revision order, with no gaps and no duplicates;
  events of one request share its revision and come in key order. `start_revision=0` means "from
  the next revision on"; an older uncompacted start replays history first, then goes live.
* **Leases.** A lease has an id and a TTL in seconds; keys put with `lease=id` are deleted, all
  in one revision, when the lease expires (no keepalive within its TTL) or is revoked.
* **Outcomes.** Every request either takes effect once or raises. `StoreUnavailableError`
  says whether the request definitely did not take effect (`definite=True`) or may have
  (`definite=False`); clients retry the first and record the second as indeterminate.

All methods are coroutines run under trio. A store is opened with an async context manager
factory (see `StoreFactory`) so that background work (lease expiry, connections) has a scope.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol, runtime_checkable

import attrs

ALL_KEYS_FROM: bytes = b"\0"
"""`range_end` meaning "every key greater than or equal to `key`"."""


def prefix_end(prefix: bytes) -> bytes:
    """Return the `range_end` selecting every key that starts with `prefix` (etcd's rule)."""
    end = bytearray(prefix)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return ALL_KEYS_FROM  # prefix was all 0xff bytes (or empty): no upper bound


def in_range(key: bytes, start: bytes, range_end: bytes | None) -> bool:
    """Tell whether `key` falls in the range `(start, range_end)` as the contract defines it."""
    if range_end is None:
        return key == start
    if range_end == ALL_KEYS_FROM:
        return key >= start
    return start <= key < range_end


# --------------------------------------------------------------------------- values


@attrs.frozen
class KeyValue:
    """One key's value and metadata at some revision."""

    key: bytes
    value: bytes
    create_revision: int
    """Revision that created the key (since its last deletion); 0 in a DELETE event."""
    mod_revision: int
    """Revision of the key's last modification (for a DELETE event: the deletion's revision)."""
    version: int
    """Writes since creation: 1 after the first put; 0 in a DELETE event."""
    lease: int = 0
    """Id of the lease the key is attached to, 0 for none."""


class EventType(enum.Enum):
    """What happened to a key in a watch event."""

    PUT = "PUT"
    DELETE = "DELETE"


@attrs.frozen
class WatchEvent:
    """One change seen by a watch; `kv.mod_revision` is the revision it happened at."""

    type: EventType
    kv: KeyValue
    prev_kv: KeyValue | None = None
    """The key before the change, when the watch asked for `prev_kv` and one existed."""

    @property
    def revision(self) -> int:
        """The revision of the request that caused this event."""
        return self.kv.mod_revision


@attrs.frozen
class RangeResult:
    """Answer to a range read."""

    kvs: tuple[KeyValue, ...]
    """Matching keys in ascending order (values empty with `keys_only`, none with `count_only`)."""
    count: int
    """Number of keys in the range, ignoring `limit`."""
    more: bool
    """True when `limit` cut the result short (always False with `count_only`)."""
    revision: int
    """The store's current revision when the read was served (etcd's header revision)."""


@attrs.frozen
class PutResult:
    """Answer to a put."""

    revision: int
    prev_kv: KeyValue | None = None


@attrs.frozen
class DeleteResult:
    """Answer to a delete_range."""

    revision: int
    """Revision of the delete, or the current revision when nothing was deleted."""
    deleted: int
    prev_kvs: tuple[KeyValue, ...] = ()


CompareTarget = Literal["value", "version", "create_revision", "mod_revision"]
CompareOp = Literal["=", "!=", "<", ">"]


@attrs.frozen
class Compare:
    """A txn guard on one key, as etcd's Compare.

    A missing key has version, create_revision and mod_revision 0; its value compares as
    missing, so every comparison on the value of a missing key is false (etcd's rule).
    """

    key: bytes
    target: CompareTarget
    op: CompareOp
    operand: bytes | int


@attrs.frozen
class RangeOp:
    """A read inside a txn (same meaning as `Store.range`, always at the txn's revision)."""

    key: bytes
    range_end: bytes | None = None
    limit: int = 0
    keys_only: bool = False
    count_only: bool = False


@attrs.frozen
class PutOp:
    """A put inside a txn."""

    key: bytes
    value: bytes
    lease: int = 0
    prev_kv: bool = False


@attrs.frozen
class DeleteOp:
    """A delete_range inside a txn."""

    key: bytes
    range_end: bytes | None = None
    prev_kv: bool = False


TxnOp = RangeOp | PutOp | DeleteOp
TxnOpResult = RangeResult | PutResult | DeleteResult


@attrs.frozen
class TxnResult:
    """Answer to a txn: which branch ran, and one result per op of that branch."""

    succeeded: bool
    revision: int
    """Revision after the txn (the txn's own revision if it wrote)."""
    responses: tuple[TxnOpResult, ...]
    """One result per op of the branch that ran; each carries the txn's `revision`."""


@attrs.frozen
class LeaseGrant:
    """A granted lease."""

    id: int
    ttl: int


@attrs.frozen
class LeaseStatus:
    """Answer to `lease_time_to_live`."""

    id: int
    ttl: int
    """Seconds left (rounded up), or -1 when the lease does not exist or expired."""
    granted_ttl: int
    keys: tuple[bytes, ...] = ()


@attrs.frozen
class StoreStatus:
    """The store's revision counters."""

    revision: int
    compact_revision: int
    """Oldest readable revision boundary (0 when never compacted)."""


# --------------------------------------------------------------------------- errors


class StoreError(Exception):
    """Base of every error the contract defines."""


class CompactedError(StoreError):
    """A read or watch asked for history older than the last compaction."""

    def __init__(self, revision: int, compact_revision: int) -> None:
        boundary = f"compact revision {compact_revision}"
        super().__init__(f"required revision {revision} has been compacted ({boundary})")
        self.revision = revision
        self.compact_revision = compact_revision


class FutureRevisionError(StoreError):
    """A read or compaction named a revision the store has not reached yet."""

    def __init__(self, revision: int, current_revision: int) -> None:
        super().__init__(
            f"required revision {revision} is a future revision (current {current_revision})"
        )
        self.revision = revision
        self.current_revision = current_revision


class LeaseNotFoundError(StoreError):
    """The request named a lease that does not exist (never granted, expired or revoked)."""

    def __init__(self, lease_id: int) -> None:
        super().__init__(f"lease {lease_id} not found")
        self.lease_id = lease_id


class InvalidRequestError(StoreError):
    """The request is malformed (empty key, duplicate key in one txn, negative limit, ...)."""


class StoreUnavailableError(StoreError):
    """The store could not serve the request (no leader, timeout, connection lost).

    `definite` is True when the request certainly did not take effect (safe to retry, record
    as `fail`), False when it may have (record as `info`).
    """

    def __init__(self, message: str, *, definite: bool) -> None:
        super().__init__(message)
        self.definite = definite


# --------------------------------------------------------------------------- the interface


@runtime_checkable
class Store(Protocol):
    """An etcd-v3-shaped MVCC key-value store. See the module docstring for the rules."""

    async def range(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        revision: int = 0,
        limit: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
    ) -> RangeResult:
        """Read keys in the range at `revision` (0: the latest).

        `limit` > 0 returns at most that many keys (then `more` tells whether some were left
        out). Raises `CompactedError` below the compaction boundary and `FutureRevisionError`
        past the current revision.
        """
        ...

    async def put(
        self, key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False
    ) -> PutResult:
        """Write one key at a new revision, optionally attached to a lease.

        Raises `LeaseNotFoundError` when `lease` is non-zero and not alive, `InvalidRequestError`
        for an empty key.
        """
        ...

    async def delete_range(
        self, key: bytes, range_end: bytes | None = None, *, prev_kv: bool = False
    ) -> DeleteResult:
        """Delete every key in the range at one new revision (no new revision if none matched)."""
        ...

    async def txn(
        self,
        compares: Sequence[Compare],
        success: Sequence[TxnOp] = (),
        failure: Sequence[TxnOp] = (),
    ) -> TxnResult:
        """Atomically: if every compare holds run `success`, else `failure`, as one revision.

        Reads in the branch see the writes before them in the same branch. Putting the same key
        twice in one branch, or putting a key that a delete in the same branch also covers,
        raises `InvalidRequestError` (etcd: "duplicate key given in txn"); both branches are
        checked before the compares run, and nothing is written.
        """
        ...

    def watch(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        """Open a watch on the range; use as ``async with store.watch(k) as events``.

        Events come in revision order without gaps or duplicates. `start_revision=0` starts at
        the next revision; an older start replays history first. A compacted start raises
        `CompactedError`, either on entering or from the iterator before any event. A watcher
        that falls behind a later compaction may also get `CompactedError` from the iterator;
        it then re-reads and watches again (the informer pattern).
        """
        ...

    async def compact(self, revision: int) -> None:
        """Discard history before `revision`.

        Raises `FutureRevisionError` past the current revision and `CompactedError` when
        `revision` is not above the previous compaction.
        """
        ...

    async def lease_grant(self, ttl: int, lease_id: int = 0) -> LeaseGrant:
        """Create a lease of `ttl` seconds (>= 1); `lease_id=0` lets the store choose an id.

        Raises `InvalidRequestError` for a non-positive TTL or an id already in use.
        """
        ...

    async def lease_keepalive(self, lease_id: int) -> int:
        """Restart the lease's TTL countdown; return the TTL. `LeaseNotFoundError` if gone."""
        ...

    async def lease_revoke(self, lease_id: int) -> None:
        """End the lease now, deleting its keys in one revision. `LeaseNotFoundError` if gone."""
        ...

    async def lease_time_to_live(self, lease_id: int, *, keys: bool = False) -> LeaseStatus:
        """Describe a lease; `ttl == -1` when it does not exist."""
        ...

    async def status(self) -> StoreStatus:
        """Current revision and compaction boundary."""
        ...


class StoreFactory(Protocol):
    """What the registry's `kubelab.store` entry points name: options in, an open store out.

    ``async with factory(**options) as store:`` runs the store (and any background work such as
    lease expiry) for the duration of the block.
    """

    def __call__(self, **options: object) -> AbstractAsyncContextManager[Store]: ...


__all__ = [
    "ALL_KEYS_FROM",
    "CompactedError",
    "Compare",
    "CompareOp",
    "CompareTarget",
    "DeleteOp",
    "DeleteResult",
    "EventType",
    "FutureRevisionError",
    "InvalidRequestError",
    "KeyValue",
    "LeaseGrant",
    "LeaseNotFoundError",
    "LeaseStatus",
    "PutOp",
    "PutResult",
    "RangeOp",
    "RangeResult",
    "Store",
    "StoreError",
    "StoreFactory",
    "StoreStatus",
    "StoreUnavailableError",
    "TxnOp",
    "TxnOpResult",
    "TxnResult",
    "WatchEvent",
    "in_range",
    "prefix_end",
]
