"""`StoreModel`: the Store contract as the dumbest correct sequential program.

It keeps a full copy of the key space for every revision ever written (`snapshots[r]`), so a
read at revision r is a lookup, and the watch events of revision r are the difference between
`snapshots[r - 1]` and `snapshots[r]`. Slow and memory-hungry by design: it is the yardstick
the stateful test holds real stores against, not something to run a cluster on. Leases have no
clock here (they never expire on their own); grants, revokes and attached keys are modelled.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    PutOp,
    PutResult,
    RangeOp,
    RangeResult,
    StoreStatus,
    TxnOp,
    TxnOpResult,
    TxnResult,
    WatchEvent,
    in_range,
)


def _compare(compare: Compare, kv: KeyValue | None) -> bool:
    if compare.target == "value":
        if kv is None:
            return False
        actual: bytes | int = kv.value
    else:
        actual = 0 if kv is None else getattr(kv, compare.target)
    ops = {
        "=": lambda x, y: x == y,
        "!=": lambda x, y: x != y,
        "<": lambda x, y: x < y,
        ">": lambda x, y: x > y,
    }
    return ops[compare.op](actual, compare.operand)


def _check_branch(ops: Sequence[TxnOp]) -> None:
    """Apply etcd's duplicate-key rule: no key put twice, no put inside a delete in one branch."""
    puts = [op.key for op in ops if isinstance(op, PutOp)]
    if len(set(puts)) != len(puts):
        raise InvalidRequestError("duplicate key given in txn request")
    for op in ops:
        if isinstance(op, DeleteOp) and any(in_range(k, op.key, op.range_end) for k in puts):
            raise InvalidRequestError("duplicate key given in txn request")


@attrs.define
class StoreModel:
    """A sequential, obviously correct implementation of the contract (no lease expiry)."""

    snapshots: dict[int, dict[bytes, KeyValue]] = attrs.field(factory=lambda: {1: {}})
    """The whole key space after each revision."""
    revision: int = 1
    compact_revision: int = 0
    leases: dict[int, int] = attrs.field(factory=dict)
    """Live lease id -> granted TTL."""
    _next_lease: int = 1
    _work: dict[bytes, KeyValue] | None = None
    _wrote: bool = False

    # -------------------------------------------------------------- helpers

    def _state(self) -> dict[bytes, KeyValue]:
        """The key space requests read and write: the pending revision's during a write."""
        return self.snapshots[self.revision] if self._work is None else self._work

    def _begin(self) -> None:
        self._work = dict(self.snapshots[self.revision])
        self._wrote = False

    def _end(self) -> None:
        work, self._work = self._work, None
        if self._wrote:
            assert work is not None
            self.revision += 1
            self.snapshots[self.revision] = work

    def _select(self, state: dict[bytes, KeyValue], key: bytes, end: bytes | None) -> list[bytes]:
        return sorted(k for k in state if in_range(k, key, end))

    def _check_revision(self, revision: int) -> None:
        if revision > self.revision:
            raise FutureRevisionError(revision, self.revision)
        if 0 < revision < self.compact_revision:
            raise CompactedError(revision, self.compact_revision)

    # -------------------------------------------------------------- requests

    def range(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        revision: int = 0,
        limit: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
    ) -> RangeResult:
        """Same meaning as `Store.range`."""
        if limit < 0 or revision < 0:
            raise InvalidRequestError("negative limit or revision")
        self._check_revision(revision)
        state = self._state() if revision == 0 else self.snapshots[revision]
        keys = self._select(state, key, range_end)
        kvs = [] if count_only else [state[k] for k in keys]
        if limit:
            kvs = kvs[:limit]
        if keys_only:
            kvs = [attrs.evolve(kv, value=b"") for kv in kvs]
        more = not count_only and len(kvs) < len(keys)
        return RangeResult(tuple(kvs), len(keys), more, self.revision)

    def put(self, key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False) -> PutResult:
        """Same meaning as `Store.put`."""
        if not key:
            raise InvalidRequestError("empty key")
        if lease and lease not in self.leases:
            raise LeaseNotFoundError(lease)
        self._begin()
        prev = self._put(key, value, lease)
        self._end()
        return PutResult(self.revision, prev if prev_kv else None)

    def _put(self, key: bytes, value: bytes, lease: int) -> KeyValue | None:
        state = self._state()
        prev = state.get(key)
        rev = self.revision + 1
        if prev is None:
            state[key] = KeyValue(key, value, rev, rev, 1, lease)
        else:
            state[key] = KeyValue(key, value, prev.create_revision, rev, prev.version + 1, lease)
        self._wrote = True
        return prev

    def delete_range(
        self, key: bytes, range_end: bytes | None = None, *, prev_kv: bool = False
    ) -> DeleteResult:
        """Same meaning as `Store.delete_range`."""
        self._begin()
        prevs = self._delete(key, range_end)
        self._end()
        return DeleteResult(self.revision, len(prevs), tuple(prevs) if prev_kv else ())

    def _delete(self, key: bytes, range_end: bytes | None) -> list[KeyValue]:
        state = self._state()
        prevs = [state.pop(k) for k in self._select(state, key, range_end)]
        self._wrote = self._wrote or bool(prevs)
        return prevs

    def txn(
        self,
        compares: Sequence[Compare],
        success: Sequence[TxnOp] = (),
        failure: Sequence[TxnOp] = (),
    ) -> TxnResult:
        """Same meaning as `Store.txn`."""
        _check_branch(success)
        _check_branch(failure)
        state = self._state()
        succeeded = all(_compare(c, state.get(c.key)) for c in compares)
        ops = success if succeeded else failure
        for op in ops:
            if isinstance(op, PutOp) and op.lease and op.lease not in self.leases:
                raise LeaseNotFoundError(op.lease)
        self._begin()
        results: list[TxnOpResult] = []
        for op in ops:
            if isinstance(op, RangeOp):
                results.append(
                    self.range(
                        op.key,
                        op.range_end,
                        limit=op.limit,
                        keys_only=op.keys_only,
                        count_only=op.count_only,
                    )
                )
            elif isinstance(op, PutOp):
                prev = self._put(op.key, op.value, op.lease)
                results.append(PutResult(0, prev if op.prev_kv else None))
            else:
                prevs = self._delete(op.key, op.range_end)
                results.append(DeleteResult(0, len(prevs), tuple(prevs) if op.prev_kv else ()))
        self._end()
        responses = tuple(attrs.evolve(r, revision=self.revision) for r in results)
        return TxnResult(succeeded, self.revision, responses)

    def compact(self, revision: int) -> None:
        """Same meaning as `Store.compact` (snapshots are kept: the model never forgets)."""
        if revision > self.revision:
            raise FutureRevisionError(revision, self.revision)
        if revision <= self.compact_revision:
            raise CompactedError(revision, self.compact_revision)
        self.compact_revision = revision

    def status(self) -> StoreStatus:
        """Same meaning as `Store.status`."""
        return StoreStatus(self.revision, self.compact_revision)

    # -------------------------------------------------------------- watches

    def events(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int,
        prev_kv: bool = False,
    ) -> list[WatchEvent]:
        """Every event a watch from `start_revision` (>= 1) sees up to the current revision."""
        if 0 < start_revision < self.compact_revision:
            raise CompactedError(start_revision, self.compact_revision)
        events = []
        for rev in range(max(start_revision, 2), self.revision + 1):
            before, after = self.snapshots[rev - 1], self.snapshots[rev]
            for k in sorted(set(before) | set(after)):
                if not in_range(k, key, range_end) or before.get(k) == after.get(k):
                    continue
                prev = before.get(k) if prev_kv else None
                if k in after:
                    events.append(WatchEvent(EventType.PUT, after[k], prev))
                else:
                    events.append(WatchEvent(EventType.DELETE, KeyValue(k, b"", 0, rev, 0), prev))
        return events

    # -------------------------------------------------------------- leases

    def lease_grant(self, ttl: int, lease_id: int = 0) -> LeaseGrant:
        """Same meaning as `Store.lease_grant` (ids chosen by the model count up from 1)."""
        if ttl < 1 or lease_id < 0 or lease_id in self.leases:
            raise InvalidRequestError("bad ttl or lease id in use")
        if lease_id == 0:
            while self._next_lease in self.leases:
                self._next_lease += 1
            lease_id = self._next_lease
        self.leases[lease_id] = ttl
        return LeaseGrant(lease_id, ttl)

    def lease_revoke(self, lease_id: int) -> None:
        """Same meaning as `Store.lease_revoke`: the lease's keys go in one revision."""
        if lease_id not in self.leases:
            raise LeaseNotFoundError(lease_id)
        del self.leases[lease_id]
        self._begin()
        state = self._state()
        for k in sorted(k for k, kv in state.items() if kv.lease == lease_id):
            del state[k]
            self._wrote = True
        self._end()

    def lease_keys(self, lease_id: int) -> tuple[bytes, ...]:
        """Keys attached to a live lease, sorted (what `lease_time_to_live(keys=True)` lists)."""
        state = self._state()
        return tuple(sorted(k for k, kv in state.items() if kv.lease == lease_id))


__all__ = ["StoreModel"]
