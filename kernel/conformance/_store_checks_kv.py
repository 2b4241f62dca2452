"""Store checks for the revision counter, per-key metadata, ranges, prev_kv and bad requests."""

from __future__ import annotations

from kernel.conformance._store_kit import (
    CheckContext,
    CheckRegistry,
    expect,
    expect_equal,
    expect_raises,
    kv_shape,
)
from kernel.interfaces.store import (
    ALL_KEYS_FROM,
    DeleteOp,
    InvalidRequestError,
    PutOp,
    RangeOp,
    prefix_end,
)

check = CheckRegistry()


# --------------------------------------------------------------------------- revision counter


@check("An empty store starts at revision 1 with nothing compacted.", fresh_store=True)
async def revision_starts_at_one(ctx: CheckContext) -> None:
    status = await ctx.store.status()
    expect_equal(status.revision, 1, "status().revision of a new store")
    expect_equal(status.compact_revision, 0, "status().compact_revision of a new store")
    result = await ctx.store.range(b"\0", ALL_KEYS_FROM)
    expect_equal(result.revision, 1, "range().revision of a new store")
    expect_equal(result.count, 0, "number of keys in a new store")


@check("Every put, and every delete that removes a key, raises the revision by exactly one.")
async def revision_increments_once_per_write(ctx: CheckContext) -> None:
    store = ctx.store
    start = await ctx.revision()
    put = await store.put(ctx.key("a"), b"1")
    expect_equal(put.revision, start + 1, "PutResult.revision of the first put")
    put = await store.put(ctx.key("a"), b"2")
    expect_equal(put.revision, start + 2, "PutResult.revision of an overwrite")
    await store.put(ctx.key("b"), b"1")
    deleted = await store.delete_range(ctx.key("a"), ctx.key("c"))
    expect_equal(deleted.deleted, 2, "keys removed by delete_range over two keys")
    expect_equal(deleted.revision, start + 4, "DeleteResult.revision (two keys, one request)")
    expect_equal(await ctx.revision(), start + 4, "status().revision after 4 writes")


@check("Reads, status and read-only txns leave the revision alone.")
async def reads_do_not_change_revision(ctx: CheckContext) -> None:
    store = ctx.store
    await store.put(ctx.key("a"), b"1")
    before = await ctx.revision()
    result = await store.range(ctx.key("a"))
    expect_equal(result.revision, before, "RangeResult.revision (the store's revision)")
    await store.range(ctx.prefix, ctx.prefix_end, count_only=True)
    await store.range(ctx.key("a"), revision=before)
    txn = await store.txn([], [RangeOp(ctx.key("a"))])
    expect_equal(txn.revision, before, "TxnResult.revision of a read-only txn")
    await store.lease_time_to_live(987654321)
    expect_equal(await ctx.revision(), before, "revision after reads")


@check("A delete that matches no key changes nothing and reports the current revision.")
async def noop_delete_keeps_revision(ctx: CheckContext) -> None:
    store = ctx.store
    await store.put(ctx.key("a"), b"1")
    before = await ctx.revision()
    result = await store.delete_range(ctx.key("missing"))
    expect_equal(result.deleted, 0, "deleted count for a missing key")
    expect_equal(result.revision, before, "DeleteResult.revision when nothing was deleted")
    result = await store.delete_range(ctx.key("x"), ctx.key("z"), prev_kv=True)
    expect_equal((result.deleted, result.prev_kvs), (0, ()), "delete of an empty range")
    expect_equal(await ctx.revision(), before, "revision after no-op deletes")


@check("All keys written by one request carry that request's single revision.")
async def one_request_one_revision(ctx: CheckContext) -> None:
    store = ctx.store
    await store.put(ctx.key("a"), b"1")
    await store.put(ctx.key("b"), b"1")
    before = await ctx.revision()
    writes: list[PutOp | DeleteOp] = [
        PutOp(ctx.key("c"), b"1"),
        PutOp(ctx.key("d"), b"1"),
        DeleteOp(ctx.key("a")),
    ]
    txn = await store.txn([], writes)
    expect_equal(txn.revision, before + 1, "TxnResult.revision of a txn with three writes")
    result = await store.range(ctx.key("c"), ctx.key("e"))
    expect_equal(
        [kv.mod_revision for kv in result.kvs], [before + 1] * 2, "mod_revision of txn's puts"
    )
    deleted = await store.delete_range(ctx.key("b"), ctx.key("e"))
    expect_equal(deleted.revision, before + 2, "delete_range of three keys: one revision")


# --------------------------------------------------------------------------- per-key metadata


@check("create_revision stays, mod_revision follows each write, version counts writes from 1.")
async def key_metadata_tracks_writes(ctx: CheckContext) -> None:
    store = ctx.store
    key = ctx.key("k")
    first = await store.put(key, b"v1")
    second = await store.put(key, b"v2")
    third = await store.put(key, b"v3")
    (kv,) = (await store.range(key)).kvs
    expect_equal(
        kv_shape(kv),
        (key, b"v3", first.revision, third.revision, 3, 0),
        "(key, value, create_revision, mod_revision, version, lease) after three puts",
    )
    expect(second.revision == first.revision + 1, "consecutive puts get consecutive revisions")


@check("A delete resets a key: the next put creates it anew (version 1, new create_revision).")
async def delete_resets_key(ctx: CheckContext) -> None:
    store = ctx.store
    key = ctx.key("k")
    await store.put(key, b"v1")
    await store.put(key, b"v2")
    await store.delete_range(key)
    expect_equal((await store.range(key)).count, 0, "count of a deleted key")
    again = await store.put(key, b"v3", prev_kv=True)
    expect_equal(again.prev_kv, None, "prev_kv of a put re-creating a deleted key")
    (kv,) = (await store.range(key)).kvs
    expect_equal(
        kv_shape(kv),
        (key, b"v3", again.revision, again.revision, 1, 0),
        "metadata of a re-created key",
    )


# --------------------------------------------------------------------------- ranges


async def _fill(ctx: CheckContext, names: list[bytes]) -> None:
    for name in names:
        await ctx.store.put(ctx.key(name), b"v-" + name)


@check("range_end=None reads exactly one key; a missing key gives no kvs and count 0.")
async def range_single_key(ctx: CheckContext) -> None:
    await _fill(ctx, [b"a", b"ab", b"b"])
    result = await ctx.store.range(ctx.key("a"))
    expect_equal([kv.key for kv in result.kvs], [ctx.key("a")], "keys read for one key")
    expect_equal((result.count, result.more), (1, False), "(count, more) for one key")
    expect_equal(result.kvs[0].value, b"v-a", "value read")
    missing = await ctx.store.range(ctx.key("zz"))
    expect_equal((missing.kvs, missing.count, missing.more), ((), 0, False), "a missing key")


@check("prefix_end(p) selects exactly the keys starting with p, in ascending byte order.")
async def range_prefix(ctx: CheckContext) -> None:
    names = [b"p", b"p/1", b"p/2", b"p/2/x", b"p\xff", b"p\xff\xff", b"q", b"o\xff"]
    await _fill(ctx, names)
    prefix = ctx.key("p/")
    result = await ctx.store.range(prefix, prefix_end(prefix))
    expected = [ctx.key(n) for n in (b"p/1", b"p/2", b"p/2/x")]
    expect_equal([kv.key for kv in result.kvs], expected, "keys under prefix p/")
    expect_equal(result.count, 3, "count under prefix p/")
    prefix = ctx.key("p")
    result = await ctx.store.range(prefix, prefix_end(prefix))
    expected = [ctx.key(n) for n in (b"p", b"p/1", b"p/2", b"p/2/x", b"p\xff", b"p\xff\xff")]
    expect_equal([kv.key for kv in result.kvs], expected, "keys under prefix p (incl. p\\xff)")


@check("range_end=b'\\0' reads every key >= key; [key, range_end) is half-open; order is bytes.")
async def range_intervals_and_order(ctx: CheckContext) -> None:
    names = [b"B", b"a", b"a\x00", b"a\x01", b"b", b"\x00z", b"\xff", b"\xc3\xa9"]
    await _fill(ctx, names)
    ordered = [ctx.key(n) for n in sorted(names)]
    everything = await ctx.store.range(ctx.prefix, ctx.prefix_end)
    expect_equal([kv.key for kv in everything.kvs], ordered, "keys in ascending byte order")
    from_a = await ctx.store.range(ctx.key("a"), ALL_KEYS_FROM)
    own = [kv.key for kv in from_a.kvs if kv.key.startswith(ctx.prefix)]
    expect_equal(own, [k for k in ordered if k >= ctx.key("a")], "keys >= a (range_end=b'\\0')")
    expect(
        all(kv.key >= ctx.key("a") for kv in from_a.kvs), "range_end=b'\\0' returned a key < key"
    )
    keys = [kv.key for kv in from_a.kvs]
    expect(keys == sorted(keys), "range_end=b'\\0' results are not in ascending order")
    half = await ctx.store.range(ctx.key("a"), ctx.key("b"))
    expect_equal(
        [kv.key for kv in half.kvs],
        [ctx.key(n) for n in (b"a", b"a\x00", b"a\x01")],
        "[a, b) includes a and excludes b",
    )
    empty = await ctx.store.range(ctx.key("b"), ctx.key("a"))
    expect_equal((empty.kvs, empty.count), ((), 0), "a range whose end is below its start")


@check("limit caps the kvs returned; count ignores it; more tells whether keys were left out.")
async def range_limit_count_more(ctx: CheckContext) -> None:
    await _fill(ctx, [b"1", b"2", b"3", b"4", b"5"])
    store = ctx.store
    cases = [(2, 2, True), (4, 4, True), (5, 5, False), (9, 5, False), (0, 5, False)]
    for limit, returned, more in cases:
        result = await store.range(ctx.prefix, ctx.prefix_end, limit=limit)
        expect_equal(
            (len(result.kvs), result.count, result.more),
            (returned, 5, more),
            f"(len(kvs), count, more) with limit={limit} over 5 keys",
        )
        expect_equal(
            [kv.key for kv in result.kvs],
            [ctx.key(n) for n in (b"1", b"2", b"3", b"4", b"5")][:returned],
            f"keys with limit={limit} (the smallest ones)",
        )


@check("keys_only returns keys and metadata with empty values; count_only returns only count.")
async def range_keys_only_and_count_only(ctx: CheckContext) -> None:
    await _fill(ctx, [b"a", b"b", b"c"])
    full = await ctx.store.range(ctx.prefix, ctx.prefix_end)
    keys = await ctx.store.range(ctx.prefix, ctx.prefix_end, keys_only=True)
    expect_equal(
        [kv_shape(kv) for kv in keys.kvs],
        [(k, b"", *rest) for (k, _, *rest) in map(kv_shape, full.kvs)],  # type: ignore[misc]
        "keys_only results",
    )
    expect_equal(keys.count, 3, "count with keys_only")
    counted = await ctx.store.range(ctx.prefix, ctx.prefix_end, count_only=True)
    expect_equal((counted.kvs, counted.count, counted.more), ((), 3, False), "count_only result")
    limited = await ctx.store.range(ctx.prefix, ctx.prefix_end, count_only=True, limit=1)
    expect_equal((limited.kvs, limited.count), ((), 3), "count_only with limit=1")


# --------------------------------------------------------------------------- prev_kv


@check("put(prev_kv=True) returns the key's previous value and metadata, None if it was new.")
async def put_prev_kv(ctx: CheckContext) -> None:
    store = ctx.store
    key = ctx.key("k")
    first = await store.put(key, b"v1", prev_kv=True)
    expect_equal(first.prev_kv, None, "prev_kv of a put creating the key")
    second = await store.put(key, b"v2", prev_kv=True)
    expect_equal(
        kv_shape(second.prev_kv),
        (key, b"v1", first.revision, first.revision, 1, 0),
        "prev_kv of an overwrite",
    )
    third = await store.put(key, b"v3")
    expect_equal(third.prev_kv, None, "prev_kv when not asked for")


@check("delete_range(prev_kv=True) returns every deleted key's last value, in key order.")
async def delete_prev_kvs(ctx: CheckContext) -> None:
    store = ctx.store
    await _fill(ctx, [b"c", b"a", b"b"])
    before = await store.range(ctx.prefix, ctx.prefix_end)
    result = await store.delete_range(ctx.prefix, ctx.prefix_end, prev_kv=True)
    expect_equal(result.deleted, 3, "deleted count")
    expect_equal(
        [kv_shape(kv) for kv in result.prev_kvs],
        [kv_shape(kv) for kv in before.kvs],
        "prev_kvs of a range delete",
    )
    await _fill(ctx, [b"a"])
    quiet = await store.delete_range(ctx.key("a"))
    expect_equal((quiet.deleted, quiet.prev_kvs), (1, ()), "prev_kvs when not asked for")


# --------------------------------------------------------------------------- bad requests


@check("An empty key or a negative limit is rejected with InvalidRequestError, changing nothing.")
async def invalid_requests_rejected(ctx: CheckContext) -> None:
    before = await ctx.revision()
    await expect_raises(InvalidRequestError, ctx.store.put(b"", b"v"), "put with an empty key")
    await expect_raises(
        InvalidRequestError, ctx.store.range(ctx.prefix, ctx.prefix_end, limit=-1), "limit=-1"
    )
    expect_equal(await ctx.revision(), before, "revision after rejected requests")


CHECKS = check.checks
