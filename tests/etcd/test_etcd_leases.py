"""Leases on the etcd store: grant, time-to-live, keepalive, revoke, expiry (real seconds)."""

from __future__ import annotations

import pytest
import trio

from components.store.etcd import EtcdStore
from kernel.interfaces.store import EventType, InvalidRequestError, LeaseNotFoundError


async def test_grant_with_and_without_an_id(store: EtcdStore) -> None:
    chosen = await store.lease_grant(5)
    assert chosen.id > 0
    assert chosen.ttl == 5
    fixed = await store.lease_grant(5, lease_id=777)
    assert (fixed.id, fixed.ttl) == (777, 5)
    with pytest.raises(InvalidRequestError, match="lease already exists"):
        await store.lease_grant(5, lease_id=777)


async def test_time_to_live_rounds_up_and_lists_keys(store: EtcdStore) -> None:
    lease = await store.lease_grant(10)
    await store.put(b"b", b"1", lease=lease.id)
    await store.put(b"a", b"1", lease=lease.id)
    status = await store.lease_time_to_live(lease.id, keys=True)
    assert (status.id, status.ttl, status.granted_ttl) == (lease.id, 10, 10)
    assert status.keys == (b"a", b"b")
    assert (await store.range(b"a")).kvs[0].lease == lease.id
    missing = await store.lease_time_to_live(123456)
    assert (missing.ttl, missing.keys) == (-1, ())


async def test_keepalive_returns_the_ttl_and_unknown_lease_is_not_found(store: EtcdStore) -> None:
    lease = await store.lease_grant(7)
    assert await store.lease_keepalive(lease.id) == 7
    with pytest.raises(LeaseNotFoundError):
        await store.lease_keepalive(99999)


async def test_revoke_deletes_the_keys_in_one_revision(store: EtcdStore) -> None:
    lease = await store.lease_grant(30)
    await store.put(b"a", b"1", lease=lease.id)
    await store.put(b"b", b"1", lease=lease.id)
    before = (await store.status()).revision
    async with store.watch(b"a", b"c") as events:
        await store.lease_revoke(lease.id)
        with trio.fail_after(5):
            seen = [await events.__anext__(), await events.__anext__()]
    assert [(e.type, e.kv.key, e.revision) for e in seen] == [
        (EventType.DELETE, b"a", before + 1),
        (EventType.DELETE, b"b", before + 1),
    ]
    with pytest.raises(LeaseNotFoundError):
        await store.lease_revoke(lease.id)


async def test_a_lease_without_keepalive_expires_and_takes_its_keys(store: EtcdStore) -> None:
    """Real time: a 1 s lease (the local member's minimum TTL) is gone within a few seconds."""
    lease = await store.lease_grant(1)
    await store.put(b"k", b"v", lease=lease.id)
    with trio.fail_after(6):
        while (await store.range(b"k")).count:
            await trio.sleep(0.1)
    assert (await store.lease_time_to_live(lease.id)).ttl == -1
    with pytest.raises(LeaseNotFoundError):
        await store.put(b"k", b"v", lease=lease.id)


async def test_keepalive_keeps_a_lease_past_its_ttl(store: EtcdStore) -> None:
    lease = await store.lease_grant(1)
    await store.put(b"k", b"v", lease=lease.id)
    for _ in range(8):  # 2 s, twice the TTL
        await store.lease_keepalive(lease.id)
        await trio.sleep(0.25)
    assert (await store.range(b"k")).count == 1
