"""Store checks for transactions: compares, branches, reads of own writes, duplicate keys."""

from __future__ import annotations

from typing import cast

from kernel.conformance._store_kit import (
    CheckContext,
    CheckRegistry,
    expect_equal,
    expect_raises,
    kv_shape,
)
from kernel.interfaces.store import (
    Compare,
    CompareOp,
    CompareTarget,
    DeleteOp,
    DeleteResult,
    InvalidRequestError,
    PutOp,
    PutResult,
    RangeOp,
    RangeResult,
)

check = CheckRegistry()


async def _holds(ctx: CheckContext, compare: Compare) -> bool:
    """Run a txn guarded by `compare` alone; return which branch ran (and check it ran)."""
    marker = ctx.key("marker")
    result = await ctx.store.txn(
        [compare], [PutOp(marker, b"success")], [PutOp(marker, b"failure")]
    )
    (kv,) = (await ctx.store.range(marker)).kvs
    expected = b"success" if result.succeeded else b"failure"
    expect_equal(
        kv.value, expected, f"branch that ran for {compare} (succeeded={result.succeeded})"
    )
    return result.succeeded


async def _expect_compares(
    ctx: CheckContext,
    key: bytes,
    target: CompareTarget,
    cases: list[tuple[CompareOp, object, bool]],
) -> None:
    for op, operand, expected in cases:
        compare = Compare(key, target, op, operand)  # type: ignore[arg-type]
        expect_equal(await _holds(ctx, compare), expected, f"outcome of {compare}")


@check("Compares on value use byte order with =, !=, <, >.")
async def txn_compare_value(ctx: CheckContext) -> None:
    key = ctx.key("k")
    await ctx.store.put(key, b"m")
    cases: list[tuple[CompareOp, object, bool]] = [
        ("=", b"m", True),
        ("=", b"n", False),
        ("!=", b"n", True),
        ("!=", b"m", False),
        ("<", b"n", True),
        ("<", b"m", False),
        ("<", b"m\x00", True),
        (">", b"l", True),
        (">", b"m", False),
        (">", b"", True),
    ]
    await _expect_compares(ctx, key, "value", cases)


@check("Compares on version, create_revision and mod_revision use the key's metadata.")
async def txn_compare_metadata(ctx: CheckContext) -> None:
    key = ctx.key("k")
    created = await ctx.store.put(key, b"1")
    modified = await ctx.store.put(key, b"2")
    for target, actual in (
        ("version", 2),
        ("create_revision", created.revision),
        ("mod_revision", modified.revision),
    ):
        cases: list[tuple[CompareOp, object, bool]] = [
            ("=", actual, True),
            ("=", actual + 1, False),
            ("!=", actual + 1, True),
            ("!=", actual, False),
            ("<", actual + 1, True),
            ("<", actual, False),
            (">", actual - 1, True),
            (">", actual, False),
        ]
        await _expect_compares(ctx, key, target, cases)  # type: ignore[arg-type]


@check("A missing key has version/create/mod revision 0, and every compare on its value fails.")
async def txn_compare_missing_key(ctx: CheckContext) -> None:
    key = ctx.key("missing")
    cases: list[tuple[CompareOp, object, bool]] = [
        ("=", 0, True),
        ("!=", 0, False),
        (">", 0, False),
        ("<", 1, True),
    ]
    for target in ("version", "create_revision", "mod_revision"):
        await _expect_compares(ctx, key, target, cases)  # type: ignore[arg-type]
    value_cases: list[tuple[CompareOp, object, bool]] = [
        ("=", b"", False),
        ("!=", b"", False),
        ("!=", b"x", False),
        ("<", b"\xff", False),
        (">", b"", False),
    ]
    await _expect_compares(ctx, key, "value", value_cases)


@check("The success branch runs only when every compare holds, else the failure branch.")
async def txn_branches(ctx: CheckContext) -> None:
    store = ctx.store
    a, b = ctx.key("a"), ctx.key("b")
    await store.put(a, b"1")
    holds, fails = Compare(a, "value", "=", b"1"), Compare(a, "version", ">", 5)
    result = await store.txn(
        [holds], [PutOp(b, b"s"), RangeOp(a)], [PutOp(b, b"f"), DeleteOp(a), RangeOp(a)]
    )
    expect_equal(result.succeeded, True, "succeeded when the compare holds")
    expect_equal(
        [type(r) for r in result.responses], [PutResult, RangeResult], "success response types"
    )
    expect_equal((await store.range(b)).kvs[0].value, b"s", "value written by success branch")
    result = await store.txn(
        [holds, fails], [PutOp(b, b"s2")], [PutOp(b, b"f"), DeleteOp(a), RangeOp(a)]
    )
    expect_equal(result.succeeded, False, "succeeded when one of two compares fails")
    expect_equal(
        [type(r) for r in result.responses],
        [PutResult, DeleteResult, RangeResult],
        "failure response types",
    )
    expect_equal((await store.range(b)).kvs[0].value, b"f", "value written by failure branch")
    expect_equal((await store.range(a)).count, 0, "key deleted by failure branch")
    empty = await store.txn([])
    expect_equal((empty.succeeded, empty.responses), (True, ()), "a txn with no compares")


@check("Reads in a txn see the branch's earlier writes; every op result has the txn's revision.")
async def txn_reads_own_writes(ctx: CheckContext) -> None:
    store = ctx.store
    a, b, c = ctx.key("a"), ctx.key("b"), ctx.key("c")
    await store.put(a, b"old")
    await store.put(c, b"doomed")
    before = await ctx.revision()
    result = await store.txn(
        [],
        [
            RangeOp(a),
            PutOp(a, b"new", prev_kv=True),
            RangeOp(a),
            PutOp(b, b"x"),
            RangeOp(ctx.prefix, ctx.prefix_end, count_only=True),
            DeleteOp(c, prev_kv=True),
            RangeOp(c),
        ],
    )
    expect_equal(result.revision, before + 1, "TxnResult.revision of a writing txn")
    kinds = ["RangeResult", "PutResult", "RangeResult", "PutResult", "RangeResult"]
    kinds += ["DeleteResult", "RangeResult"]
    expect_equal([type(r).__name__ for r in result.responses], kinds, "result types, one per op")
    r0, p1, r2, _p3, r4, d5, r6 = result.responses
    r0, r2, r4, r6 = (cast("RangeResult", r) for r in (r0, r2, r4, r6))
    p1, d5 = cast("PutResult", p1), cast("DeleteResult", d5)
    expect_equal([kv.value for kv in r0.kvs], [b"old"], "read before the put")
    expect_equal(p1.prev_kv.value if p1.prev_kv else None, b"old", "PutOp prev_kv")
    expect_equal(
        kv_shape(r2.kvs[0]) if r2.kvs else None,
        (a, b"new", r0.kvs[0].create_revision, before + 1, 2, 0),
        "read after the put in the same txn",
    )
    expect_equal(r4.count, 3, "count after putting a third key in the same txn")
    expect_equal((d5.deleted, len(d5.prev_kvs)), (1, 1), "DeleteOp result")
    expect_equal(r6.count, 0, "read after the delete in the same txn")
    expect_equal(
        [r.revision for r in result.responses], [before + 1] * 7, "revision of each op result"
    )


@check("Writing one key twice in a branch (put+put or put+delete) is an InvalidRequestError.")
async def txn_duplicate_key_rejected(ctx: CheckContext) -> None:
    store = ctx.store
    a = ctx.key("a")
    await store.put(a, b"1")
    before = await ctx.revision()
    bad_branches: list[list[PutOp | DeleteOp]] = [
        [PutOp(a, b"x"), PutOp(a, b"y")],
        [PutOp(a, b"x"), DeleteOp(a)],
        [DeleteOp(ctx.prefix, ctx.prefix_end), PutOp(a, b"x")],
    ]
    for ops in bad_branches:
        await expect_raises(InvalidRequestError, store.txn([], ops), f"txn success={ops}")
        failing = Compare(a, "value", "=", b"nope")
        await expect_raises(
            InvalidRequestError,
            store.txn([failing], [], ops),
            f"txn whose failure branch {ops} would run",
        )
        await expect_raises(
            InvalidRequestError,
            store.txn([], [], ops),
            f"txn whose failure branch {ops} would not run (both branches are checked)",
        )
    expect_equal(await ctx.revision(), before, "revision after rejected txns")
    expect_equal((await store.range(a)).kvs[0].value, b"1", "value after rejected txns")
    fine = await store.txn([], [DeleteOp(a), DeleteOp(ctx.prefix, ctx.prefix_end)])
    expect_equal(fine.revision, before + 1, "two overlapping deletes are allowed")


CHECKS = check.checks
