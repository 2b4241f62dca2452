"""Store checks for leases: grant, time-to-live, keepalive, revoke, expiry, attached keys.

Lease checks wait in trio time (`trio.sleep`), so they are instant under a `MockClock` with
autojump and take a few real seconds against etcd, whose minimum TTL is about 2 s: grants may
return a TTL above the one requested, and expiry is polled for up to 3 TTLs plus 2 s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import trio

from kernel.conformance._store_kit import (
    CheckContext,
    CheckRegistry,
    event_shape,
    expect,
    expect_equal,
    expect_raises,
    expiry_bound,
    poll_until,
    take_events,
)
from kernel.interfaces.store import (
    InvalidRequestError,
    LeaseGrant,
    LeaseNotFoundError,
    PutOp,
    StoreError,
)

check = CheckRegistry()


@asynccontextmanager
async def _lease(ctx: CheckContext, ttl: int | None = None) -> AsyncIterator[LeaseGrant]:
    """Grant a lease for the check and revoke it afterwards if it is still alive."""
    wanted = ctx.lease_ttl if ttl is None else ttl
    grant = await ctx.store.lease_grant(wanted)
    expect(grant.id != 0, "lease_grant returned id 0")
    expect(grant.ttl >= wanted, f"lease_grant({wanted}) granted a shorter TTL {grant.ttl}")
    try:
        yield grant
    finally:
        with suppress(StoreError):  # already gone: expired or revoked by the check
            await ctx.store.lease_revoke(grant.id)


async def _key_count(ctx: CheckContext, *keys: bytes) -> int:
    return sum([(await ctx.store.range(k)).count for k in keys])


@check("lease_grant gives a lease whose time-to-live is at most its TTL and lists its keys.")
async def lease_grant_and_time_to_live(ctx: CheckContext) -> None:
    store = ctx.store
    async with _lease(ctx) as grant:
        status = await store.lease_time_to_live(grant.id)
        expect_equal((status.id, status.granted_ttl), (grant.id, grant.ttl), "(id, granted_ttl)")
        expect(0 <= status.ttl <= grant.ttl, f"remaining ttl {status.ttl} not in [0, granted]")
        a, b = ctx.key("a"), ctx.key("b")
        await store.put(b, b"1", lease=grant.id)
        await store.put(a, b"1", lease=grant.id)
        (kv,) = (await store.range(a)).kvs
        expect_equal(kv.lease, grant.id, "KeyValue.lease of a key put with a lease")
        listed = await store.lease_time_to_live(grant.id, keys=True)
        expect_equal(listed.keys, (a, b), "keys attached to the lease, sorted")
        expect_equal((await store.lease_time_to_live(grant.id)).keys, (), "keys when not asked for")
    gone = await store.lease_time_to_live(grant.id)
    expect_equal(gone.ttl, -1, "time-to-live of a revoked lease")


@check("lease_grant rejects a TTL below 1 and an id already in use; honours a chosen id.")
async def lease_grant_arguments(ctx: CheckContext) -> None:
    store = ctx.store
    await expect_raises(InvalidRequestError, store.lease_grant(0), "lease_grant(ttl=0)")
    async with _lease(ctx) as grant:
        chosen = grant.id + 7919
        mine = await store.lease_grant(ctx.lease_ttl, chosen)
        try:
            expect_equal(mine.id, chosen, "id of a lease granted with lease_id")
            await expect_raises(
                InvalidRequestError,
                store.lease_grant(ctx.lease_ttl, chosen),
                "granting an id already in use",
            )
        finally:
            await store.lease_revoke(chosen)


@check("Revoking a lease deletes all its keys in one revision; a revoked lease is gone.")
async def lease_revoke_deletes_keys(ctx: CheckContext) -> None:
    store = ctx.store
    keys = [ctx.key(n) for n in ("c", "a", "b")]
    other = ctx.key("other")
    async with _lease(ctx) as grant:
        for key in keys:
            await store.put(key, b"v", lease=grant.id)
        await store.put(other, b"v")
        before = await ctx.revision()
        async with store.watch(ctx.prefix, ctx.prefix_end) as events:
            await store.lease_revoke(grant.id)
            got = await take_events(ctx, events, 3, "DELETE events of a revoke")
        expect_equal(
            [event_shape(e) for e in got],
            [("DELETE", k, b"", before + 1) for k in sorted(keys)],
            "events of the revoke",
        )
        expect_equal(await ctx.revision(), before + 1, "revision after revoking a lease")
        expect_equal(await _key_count(ctx, *keys), 0, "lease keys left after the revoke")
        expect_equal(await _key_count(ctx, other), 1, "a key without the lease survives")
        await expect_raises(LeaseNotFoundError, store.lease_revoke(grant.id), "revoking twice")
        await expect_raises(
            LeaseNotFoundError, store.lease_keepalive(grant.id), "keepalive of a revoked lease"
        )
        await expect_raises(
            LeaseNotFoundError, store.put(other, b"x", lease=grant.id), "put on a revoked lease"
        )


@check("Revoking a lease without keys changes no revision.")
async def lease_revoke_without_keys(ctx: CheckContext) -> None:
    async with _lease(ctx) as grant:
        before = await ctx.revision()
        await ctx.store.lease_revoke(grant.id)
        expect_equal(await ctx.revision(), before, "revision after revoking an empty lease")


@check("A put or txn put naming a lease that does not exist raises LeaseNotFoundError.")
async def put_with_unknown_lease(ctx: CheckContext) -> None:
    store = ctx.store
    await store.put(ctx.key("a"), b"1")
    before = await ctx.revision()
    missing = 0x7EAD_BEEF
    await expect_raises(
        LeaseNotFoundError, store.put(ctx.key("a"), b"2", lease=missing), "put with a dead lease"
    )
    await expect_raises(
        LeaseNotFoundError,
        store.txn([], [PutOp(ctx.key("b"), b"1"), PutOp(ctx.key("a"), b"2", lease=missing)]),
        "txn putting with a dead lease",
    )
    expect_equal(await ctx.revision(), before, "revision after rejected puts")
    expect_equal((await store.range(ctx.key("b"))).count, 0, "key from the rejected txn")


@check("Putting a key without the lease detaches it; deleting it removes it from the lease.")
async def lease_detach_on_overwrite(ctx: CheckContext) -> None:
    store = ctx.store
    a, b, c = ctx.key("a"), ctx.key("b"), ctx.key("c")
    async with _lease(ctx) as grant:
        for key in (a, b, c):
            await store.put(key, b"1", lease=grant.id)
        await store.put(a, b"2")
        await store.delete_range(b)
        status = await store.lease_time_to_live(grant.id, keys=True)
        expect_equal(status.keys, (c,), "keys still attached to the lease")
        await store.lease_revoke(grant.id)
        expect_equal(await _key_count(ctx, a, b, c), 1, "keys left after the revoke (only a)")


@check("A lease without keepalives expires within its TTL (+margin), deleting keys in 1 revision.")
async def lease_expiry_deletes_keys(ctx: CheckContext) -> None:
    store = ctx.store
    keys = [ctx.key(n) for n in ("b", "a", "c")]
    async with _lease(ctx) as grant:
        for key in keys:
            await store.put(key, b"v", lease=grant.id)
        before = await ctx.revision()
        granted_at = trio.current_time()
        async with store.watch(ctx.prefix, ctx.prefix_end) as events:

            async def expired() -> bool:
                return await _key_count(ctx, *keys) == 0

            await poll_until(
                ctx,
                expired,
                within=expiry_bound(ctx, grant.ttl),
                what=f"keys of a lease with TTL {grant.ttl} s deleted",
            )
            elapsed = trio.current_time() - granted_at
            got = await take_events(ctx, events, 3, "DELETE events of the expiry")
        revisions = {e.revision for e in got}
        expect_equal(len(revisions), 1, "number of revisions the expiry used")
        expect_equal(
            [event_shape(e) for e in got],
            [("DELETE", k, b"", got[0].revision) for k in sorted(keys)],
            "events of the expiry",
        )
        expect(got[0].revision > before, "expiry must happen at a new revision")
        expect(
            elapsed >= grant.ttl - 1,
            f"lease with TTL {grant.ttl} s expired after only {elapsed:.2f} s",
        )
        expect_equal(
            (await store.lease_time_to_live(grant.id)).ttl, -1, "time-to-live after expiry"
        )
        await expect_raises(
            LeaseNotFoundError, store.put(keys[0], b"x", lease=grant.id), "put on expired lease"
        )


@check("Keepalives within the TTL keep a lease and its keys alive; then it expires normally.")
async def lease_keepalive_keeps_keys(ctx: CheckContext) -> None:
    store = ctx.store
    key = ctx.key("k")
    async with _lease(ctx) as grant:
        await store.put(key, b"v", lease=grant.id)
        start = trio.current_time()
        while trio.current_time() - start < 2.5 * grant.ttl * ctx.time_scale:
            await trio.sleep(grant.ttl / 4)
            ttl = await store.lease_keepalive(grant.id)
            expect_equal(ttl, grant.ttl, "TTL returned by lease_keepalive")
            expect_equal((await store.range(key)).count, 1, "key of a lease kept alive")
        status = await store.lease_time_to_live(grant.id)
        expect(status.ttl >= grant.ttl - 1, f"time-to-live {status.ttl} s right after keepalive")

        async def expired() -> bool:
            return await _key_count(ctx, key) == 0

        await poll_until(
            ctx, expired, within=expiry_bound(ctx, grant.ttl), what="key after keepalives stop"
        )


CHECKS = check.checks
