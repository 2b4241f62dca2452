"""Store checks for watches: order, no gaps or duplicates, replay, resume, shape, compaction."""

from __future__ import annotations

import trio

from kernel.conformance._store_kit import (
    CheckContext,
    CheckRegistry,
    StoreConformanceError,
    event_shape,
    expect,
    expect_equal,
    expect_quiet,
    kv_shape,
    next_event,
    take_events,
)
from kernel.interfaces.store import CompactedError, DeleteOp, EventType, PutOp

check = CheckRegistry()


@check("A watch from now delivers each later change once, in revision order, with its revision.")
async def watch_live_events(ctx: CheckContext) -> None:
    store = ctx.store
    a = ctx.key("a")
    async with store.watch(ctx.prefix, ctx.prefix_end) as events:
        r1 = (await store.put(a, b"1")).revision
        r2 = (await store.put(a, b"2")).revision
        r3 = (await store.delete_range(a)).revision
        got = await take_events(ctx, events, 3, "live watch")
        expect_equal(
            [event_shape(e) for e in got],
            [("PUT", a, b"1", r1), ("PUT", a, b"2", r2), ("DELETE", a, b"", r3)],
            "events (type, key, value, revision)",
        )
        expect_equal(
            [kv_shape(e.kv) for e in got[:2]],
            [(a, b"1", r1, r1, 1, 0), (a, b"2", r1, r2, 2, 0)],
            "PUT events' KeyValues",
        )
        await expect_quiet(ctx, events, "after the three writes")


@check("A watch sees only keys in its range: one key (range_end=None), a prefix, an interval.")
async def watch_range_filter(ctx: CheckContext) -> None:
    store = ctx.store
    a, ab, b = ctx.key("a"), ctx.key("ab"), ctx.key("b")
    async with (
        store.watch(a) as only_a,
        store.watch(a, ctx.key("b")) as interval,
        store.watch(ctx.key("b"), ctx.prefix_end) as from_b,
    ):
        ra = (await store.put(a, b"1")).revision
        rab = (await store.put(ab, b"1")).revision
        rb = (await store.put(b, b"1")).revision
        got = await next_event(ctx, only_a, "watch on one key")
        expect_equal(event_shape(got), ("PUT", a, b"1", ra), "event on the watched key")
        await expect_quiet(ctx, only_a, "single-key watch after writes to other keys")
        got2 = await take_events(ctx, interval, 2, "watch on [a, b)")
        expect_equal(
            [event_shape(e) for e in got2],
            [("PUT", a, b"1", ra), ("PUT", ab, b"1", rab)],
            "events in [a, b)",
        )
        await expect_quiet(ctx, interval, "watch on [a, b) after a write to b")
        got3 = await next_event(ctx, from_b, "watch on [b, end)")
        expect_equal(event_shape(got3), ("PUT", b, b"1", rb), "event in [b, end)")


@check("Events of one request share its revision and come in key order.")
async def watch_same_revision_key_order(ctx: CheckContext) -> None:
    store = ctx.store
    keys = [ctx.key(n) for n in ("c", "a", "b")]
    async with store.watch(ctx.prefix, ctx.prefix_end) as events:
        txn = await store.txn([], [PutOp(k, b"v") for k in keys])
        got = await take_events(ctx, events, 3, "txn of three puts")
        expect_equal(
            [event_shape(e) for e in got],
            [("PUT", k, b"v", txn.revision) for k in sorted(keys)],
            "events of a txn putting c, a, b",
        )
        deleted = await store.delete_range(ctx.prefix, ctx.prefix_end)
        got = await take_events(ctx, events, 3, "delete_range of three keys")
        expect_equal(
            [event_shape(e) for e in got],
            [("DELETE", k, b"", deleted.revision) for k in sorted(keys)],
            "events of one delete_range",
        )
        mixed = await store.txn(
            [], [PutOp(keys[0], b"w"), DeleteOp(ctx.key("zzz")), PutOp(keys[1], b"w")]
        )
        got = await take_events(ctx, events, 2, "txn of two puts")
        expect_equal(
            [event_shape(e) for e in got],
            [("PUT", k, b"w", mixed.revision) for k in sorted(keys[:2])],
            "events of a txn putting c, a (and deleting nothing)",
        )
        await expect_quiet(ctx, events, "after the txns")


async def _write_history(ctx: CheckContext) -> list[tuple[str, bytes, bytes, int]]:
    """Write a mixed history under the prefix; return its events as `event_shape` tuples."""
    store = ctx.store
    a, b, c = ctx.key("a"), ctx.key("b"), ctx.key("c")
    shapes: list[tuple[str, bytes, bytes, int]] = []
    r = (await store.put(a, b"1")).revision
    shapes.append(("PUT", a, b"1", r))
    r = (await store.put(b, b"1")).revision
    shapes.append(("PUT", b, b"1", r))
    r = (await store.txn([], [PutOp(c, b"1"), PutOp(a, b"2")])).revision
    shapes += [("PUT", a, b"2", r), ("PUT", c, b"1", r)]
    r = (await store.delete_range(a, ctx.key("c"))).revision
    shapes += [("DELETE", a, b"", r), ("DELETE", b, b"", r)]
    r = (await store.put(a, b"3")).revision
    shapes.append(("PUT", a, b"3", r))
    return shapes


@check("A watch starting in the past replays history from there, then goes live, seamlessly.")
async def watch_replays_then_goes_live(ctx: CheckContext) -> None:
    store = ctx.store
    history = await _write_history(ctx)
    start = history[0][3]
    async with store.watch(ctx.prefix, ctx.prefix_end, start_revision=start) as events:
        got = await take_events(ctx, events, len(history), "replay")
        expect_equal([event_shape(e) for e in got], history, "replayed events")
        live = await store.put(ctx.key("d"), b"live")
        got_live = await next_event(ctx, events, "first live event after replay")
        expect_equal(
            event_shape(got_live), ("PUT", ctx.key("d"), b"live", live.revision), "live event"
        )
        await expect_quiet(ctx, events, "after replay and one live event")


@check("A watch resumes from any uncompacted revision: exactly the events at or after it.")
async def watch_resumes_from_any_revision(ctx: CheckContext) -> None:
    store = ctx.store
    history = await _write_history(ctx)
    first, last = history[0][3], history[-1][3]
    for start in range(first, last + 1):
        suffix = [h for h in history if h[3] >= start]
        async with store.watch(ctx.prefix, ctx.prefix_end, start_revision=start) as events:
            got = await take_events(ctx, events, len(suffix), f"watch from revision {start}")
            expect_equal([event_shape(e) for e in got], suffix, f"events from revision {start}")
            await expect_quiet(ctx, events, f"watch from revision {start} after its replay")


@check("DELETE events carry key, empty value, version and create_revision 0, and prev_kv if asked.")
async def watch_event_shape_and_prev_kv(ctx: CheckContext) -> None:
    store = ctx.store
    a = ctx.key("a")
    async with (
        store.watch(a, prev_kv=True) as with_prev,
        store.watch(a) as without_prev,
    ):
        p1 = await store.put(a, b"1")
        p2 = await store.put(a, b"2")
        d = await store.delete_range(a)
        got = await take_events(ctx, with_prev, 3, "watch with prev_kv")
        plain = await take_events(ctx, without_prev, 3, "watch without prev_kv")
    expect_equal(got[0].prev_kv, None, "prev_kv of the event creating the key")
    expect_equal(
        kv_shape(got[1].prev_kv), (a, b"1", p1.revision, p1.revision, 1, 0), "prev_kv of a PUT"
    )
    expect_equal(got[2].type, EventType.DELETE, "type of the third event")
    expect_equal(
        (got[2].kv.key, got[2].kv.value, got[2].kv.create_revision, got[2].kv.version),
        (a, b"", 0, 0),
        "DELETE event's kv (key, value, create_revision, version)",
    )
    expect_equal(got[2].kv.mod_revision, d.revision, "DELETE event's kv.mod_revision")
    expect_equal(got[2].revision, d.revision, "DELETE event's revision")
    expect_equal(
        kv_shape(got[2].prev_kv), (a, b"2", p1.revision, p2.revision, 2, 0), "prev_kv of a DELETE"
    )
    expect_equal([e.prev_kv for e in plain], [None] * 3, "prev_kv when the watch did not ask")


@check("Under concurrent writers every watcher sees the same gap-free, duplicate-free sequence.")
async def watch_concurrent_writes(ctx: CheckContext) -> None:
    store = ctx.store
    writes_per_task, tasks = 20, 3
    total = writes_per_task * tasks

    async def writer(name: str) -> None:
        for i in range(writes_per_task):
            await store.put(ctx.key(f"{name}{i % 4}"), str(i).encode())

    async with (
        store.watch(ctx.prefix, ctx.prefix_end) as first,
        store.watch(ctx.prefix, ctx.prefix_end) as second,
    ):
        start = await ctx.revision()
        async with trio.open_nursery() as nursery:
            for name in "xyz"[:tasks]:
                nursery.start_soon(writer, name)
        seen_first = await take_events(ctx, first, total, "first watcher")
        seen_second = await take_events(ctx, second, total, "second watcher")
        await expect_quiet(ctx, first, "first watcher after all writes")
    revisions = [e.revision for e in seen_first]
    expect_equal(revisions, list(range(start + 1, start + total + 1)), "revisions seen")
    expect_equal(
        [event_shape(e) for e in seen_second],
        [event_shape(e) for e in seen_first],
        "the two watchers' sequences",
    )
    latest = await store.range(ctx.prefix, ctx.prefix_end)
    last_by_key = {e.kv.key: e.kv for e in seen_first}
    expect_equal(
        [kv_shape(kv) for kv in latest.kvs],
        [kv_shape(last_by_key[k]) for k in sorted(last_by_key)],
        "latest values against the last event of each key",
    )


@check("A watch starting below the compaction raises CompactedError; at it, it replays from it.")
async def watch_compacted_start(ctx: CheckContext) -> None:
    store = ctx.store
    history = await _write_history(ctx)
    boundary = history[2][3]  # the txn's revision
    await store.compact(boundary)
    try:
        async with store.watch(ctx.prefix, ctx.prefix_end, start_revision=boundary - 1) as events:
            event = await next_event(ctx, events, "watch below the compaction")
            raise StoreConformanceError(
                f"a watch from {boundary - 1}, below the compaction at {boundary}, "
                f"delivered {event!r} instead of raising CompactedError"
            )
    except CompactedError as error:
        expect_equal(error.compact_revision, boundary, "CompactedError.compact_revision")
    async with store.watch(ctx.prefix, ctx.prefix_end, start_revision=boundary) as events:
        suffix = [h for h in history if h[3] >= boundary]
        got = await take_events(ctx, events, len(suffix), "watch from the compact revision")
        expect_equal([event_shape(e) for e in got], suffix, "events from the compact revision")


@check("A watch's events match what reads at each revision show (watch and range agree).")
async def watch_agrees_with_reads(ctx: CheckContext) -> None:
    store = ctx.store
    start = await ctx.revision()
    history = await _write_history(ctx)
    async with store.watch(ctx.prefix, ctx.prefix_end, start_revision=start + 1) as events:
        got = await take_events(ctx, events, len(history), "replay")
    for event in got:
        at = await store.range(event.kv.key, revision=event.revision)
        if event.type is EventType.PUT:
            expect_equal(
                [kv_shape(kv) for kv in at.kvs], [kv_shape(event.kv)], f"read at {event.revision}"
            )
        else:
            expect(at.count == 0, f"{event.kv.key!r} still readable at its DELETE revision")


CHECKS = check.checks
