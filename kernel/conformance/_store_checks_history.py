"""Store checks for reads at older revisions, future revisions and compaction."""

from __future__ import annotations

from kernel.conformance._store_kit import (
    CheckContext,
    CheckRegistry,
    expect_equal,
    expect_raises,
    kv_shape,
)
from kernel.interfaces.store import CompactedError, FutureRevisionError

check = CheckRegistry()


@check("A read at an older revision sees the store exactly as it was then.")
async def range_at_old_revision(ctx: CheckContext) -> None:
    store = ctx.store
    a, b = ctx.key("a"), ctx.key("b")
    r1 = (await store.put(a, b"a1")).revision
    r2 = (await store.put(b, b"b1")).revision
    r3 = (await store.put(a, b"a2")).revision
    r4 = (await store.delete_range(a)).revision
    r5 = (await store.put(a, b"a3")).revision
    expected = {
        r1 - 1: [],
        r1: [(a, b"a1", r1, r1, 1, 0)],
        r2: [(a, b"a1", r1, r1, 1, 0), (b, b"b1", r2, r2, 1, 0)],
        r3: [(a, b"a2", r1, r3, 2, 0), (b, b"b1", r2, r2, 1, 0)],
        r4: [(b, b"b1", r2, r2, 1, 0)],
        r5: [(a, b"a3", r5, r5, 1, 0), (b, b"b1", r2, r2, 1, 0)],
    }
    for revision, kvs in expected.items():
        result = await store.range(ctx.prefix, ctx.prefix_end, revision=revision)
        expect_equal(
            [kv_shape(kv) for kv in result.kvs], kvs, f"prefix read at revision {revision}"
        )
        expect_equal(result.revision, r5, f"RangeResult.revision of a read at {revision}")
        single = await store.range(a, revision=revision)
        expect_equal(
            [kv_shape(kv) for kv in single.kvs],
            [kv for kv in kvs if kv[0] == a],
            f"read of one key at revision {revision}",
        )
    limited = await store.range(ctx.prefix, ctx.prefix_end, revision=r3, limit=1)
    expect_equal((len(limited.kvs), limited.count, limited.more), (1, 2, True), "limit at r3")
    counted = await store.range(ctx.prefix, ctx.prefix_end, revision=r4, count_only=True)
    expect_equal(counted.count, 1, "count_only at the revision of a delete")


@check("Reading or compacting at a revision the store has not reached is FutureRevisionError.")
async def future_revision_rejected(ctx: CheckContext) -> None:
    await ctx.store.put(ctx.key("a"), b"1")
    current = await ctx.revision()
    error = await expect_raises(
        FutureRevisionError,
        ctx.store.range(ctx.key("a"), revision=current + 1),
        "range at current revision + 1",
    )
    expect_equal(error.revision, current + 1, "FutureRevisionError.revision")
    await expect_raises(
        FutureRevisionError, ctx.store.compact(current + 5), "compact at current revision + 5"
    )
    expect_equal(await ctx.revision(), current, "revision after rejected requests")


@check("After compact(r), reads below r raise CompactedError; reads at r and later still work.")
async def compaction_boundary(ctx: CheckContext) -> None:
    store = ctx.store
    a, b, c = ctx.key("a"), ctx.key("b"), ctx.key("c")
    r1 = (await store.put(a, b"a1")).revision
    await store.put(b, b"b1")
    await store.put(c, b"c1")
    await store.delete_range(c)  # deleted before the boundary: gone at r
    r = (await store.put(a, b"a2")).revision
    await store.delete_range(b)
    await store.put(a, b"a3")
    at_r_before = await store.range(ctx.prefix, ctx.prefix_end, revision=r)
    latest_before = await store.range(ctx.prefix, ctx.prefix_end)
    await store.compact(r)
    status = await store.status()
    expect_equal(status.compact_revision, r, "status().compact_revision after compact(r)")
    for old in (r - 1, r1):
        error = await expect_raises(
            CompactedError,
            store.range(ctx.prefix, ctx.prefix_end, revision=old),
            f"range at revision {old} below the compaction at {r}",
        )
        expect_equal(error.compact_revision, r, "CompactedError.compact_revision")
    at_r = await store.range(ctx.prefix, ctx.prefix_end, revision=r)
    expect_equal(
        [kv_shape(kv) for kv in at_r.kvs],
        [kv_shape(kv) for kv in at_r_before.kvs],
        "read at exactly the compact revision",
    )
    latest = await store.range(ctx.prefix, ctx.prefix_end)
    expect_equal(latest.kvs, latest_before.kvs, "latest read after compaction")
    single = await store.range(a, revision=r + 1)
    expect_equal([kv.value for kv in single.kvs], [b"a2"], "read between compaction and now")


@check("compact(r) with r not above the previous compaction raises CompactedError.")
async def compaction_must_advance(ctx: CheckContext) -> None:
    store = ctx.store
    await store.put(ctx.key("a"), b"1")
    await store.put(ctx.key("a"), b"2")
    current = await ctx.revision()
    await store.compact(current)
    await expect_raises(CompactedError, store.compact(current), "compacting twice at one revision")
    await expect_raises(CompactedError, store.compact(current - 1), "compacting below the last")
    expect_equal(await ctx.revision(), current, "compaction does not change the revision")
    kvs = (await store.range(ctx.key("a"), revision=current)).kvs
    expect_equal([kv.value for kv in kvs], [b"2"], "read at the compact revision")


CHECKS = check.checks
