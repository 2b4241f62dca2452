"""Your store: fill in every method so that `kubelab lab grade store --impl .` gives full marks.

The contract is `kernel/interfaces/store.py`; README.md (the handout) says what each check
grades. Build and raise only the result and error types that module defines.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import trio

from kernel.clock import Clock, TrioClock
from kernel.interfaces.store import (
    Compare,
    DeleteResult,
    LeaseGrant,
    LeaseStatus,
    PutResult,
    RangeResult,
    StoreStatus,
    TxnOp,
    TxnResult,
    WatchEvent,
)


class MyStore:
    """An MVCC key-value store: one revision counter, per-key history, watches, leases."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        # TODO: your state (revision, per-key history, watchers, leases).

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
        """The keys in [key, range_end) as of `revision` (0: now)."""
        raise NotImplementedError("MyStore.range")  # TODO

    async def put(
        self, key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False
    ) -> PutResult:
        """Write `key`; one new revision."""
        raise NotImplementedError("MyStore.put")  # TODO

    async def delete_range(
        self, key: bytes, range_end: bytes | None = None, *, prev_kv: bool = False
    ) -> DeleteResult:
        """Delete the keys in the range; a new revision only if something was deleted."""
        raise NotImplementedError("MyStore.delete_range")  # TODO

    async def txn(
        self,
        compares: Sequence[Compare],
        success: Sequence[TxnOp] = (),
        failure: Sequence[TxnOp] = (),
    ) -> TxnResult:
        """If every compare holds run `success`, else `failure`, atomically."""
        raise NotImplementedError("MyStore.txn")  # TODO

    def watch(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        """Events for the range from `start_revision` (0: the next one), in revision order."""
        raise NotImplementedError("MyStore.watch")  # TODO

    async def compact(self, revision: int) -> None:
        """Drop history before `revision`."""
        raise NotImplementedError("MyStore.compact")  # TODO

    async def lease_grant(self, ttl: int, lease_id: int = 0) -> LeaseGrant:
        """Grant a lease of `ttl` seconds."""
        raise NotImplementedError("MyStore.lease_grant")  # TODO

    async def lease_keepalive(self, lease_id: int) -> int:
        """Renew a lease; return its TTL."""
        raise NotImplementedError("MyStore.lease_keepalive")  # TODO

    async def lease_revoke(self, lease_id: int) -> None:
        """Revoke a lease, deleting its keys in one revision."""
        raise NotImplementedError("MyStore.lease_revoke")  # TODO

    async def lease_time_to_live(self, lease_id: int, *, keys: bool = False) -> LeaseStatus:
        """A lease's remaining TTL (-1 when it does not exist)."""
        raise NotImplementedError("MyStore.lease_time_to_live")  # TODO

    async def status(self) -> StoreStatus:
        """The current and compacted revisions."""
        raise NotImplementedError("MyStore.status")  # TODO

    async def expire_leases(self) -> None:
        """Background task: delete the keys of leases not renewed within their TTL."""
        await trio.sleep_forever()  # TODO: wake up, expire, sleep with trio.sleep


@asynccontextmanager
async def open_my_store(*, clock: Clock | None = None) -> AsyncIterator[MyStore]:
    """Open an empty store; background work lives as long as the block."""
    store = MyStore(clock=TrioClock() if clock is None else clock)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.expire_leases)
        yield store
        nursery.cancel_scope.cancel()
