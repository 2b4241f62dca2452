"""The etcd store's reads, writes, txns and error mapping, against a real one-member etcd."""

from __future__ import annotations

import pytest

from components.store.etcd import EtcdStore
from kernel.interfaces.store import (
    ALL_KEYS_FROM,
    CompactedError,
    Compare,
    DeleteOp,
    DeleteResult,
    FutureRevisionError,
    InvalidRequestError,
    KeyValue,
    LeaseNotFoundError,
    PutOp,
    PutResult,
    RangeOp,
    RangeResult,
    prefix_end,
)


async def test_fresh_store_starts_at_revision_one(store: EtcdStore) -> None:
    status = await store.status()
    assert (status.revision, status.compact_revision) == (1, 0)
    everything = await store.range(b"", ALL_KEYS_FROM)
    assert (everything.kvs, everything.count, everything.revision) == ((), 0, 1)


async def test_put_then_range_returns_value_and_metadata(store: EtcdStore) -> None:
    first = await store.put(b"k", b"v1")
    second = await store.put(b"k", b"v2", prev_kv=True)
    assert (first.revision, second.revision) == (2, 3)
    assert second.prev_kv == KeyValue(b"k", b"v1", 2, 2, 1)
    result = await store.range(b"k")
    assert result == RangeResult((KeyValue(b"k", b"v2", 2, 3, 2),), count=1, more=False, revision=3)


async def test_range_limit_keys_only_count_only(store: EtcdStore) -> None:
    for name in (b"p/a", b"p/b", b"p/c", b"q"):
        await store.put(name, b"value-" + name)
    limited = await store.range(b"p/", prefix_end(b"p/"), limit=2)
    assert ([kv.key for kv in limited.kvs], limited.count, limited.more) == (
        [b"p/a", b"p/b"], 3, True,
    )  # fmt: skip
    keys = await store.range(b"p/", prefix_end(b"p/"), keys_only=True)
    assert [kv.value for kv in keys.kvs] == [b"", b"", b""]
    assert [kv.version for kv in keys.kvs] == [1, 1, 1]
    counted = await store.range(b"p/", prefix_end(b"p/"), count_only=True)
    assert (counted.kvs, counted.count, counted.more) == ((), 3, False)


async def test_empty_start_key_with_range_end_reads_from_the_first_key(store: EtcdStore) -> None:
    await store.put(b"\x00a", b"1")
    await store.put(b"b", b"2")
    assert [kv.key for kv in (await store.range(b"", b"b")).kvs] == [b"\x00a"]
    deleted = await store.delete_range(b"", ALL_KEYS_FROM)
    assert deleted.deleted == 2


async def test_delete_reports_prev_kvs_and_noop_delete_keeps_revision(store: EtcdStore) -> None:
    await store.put(b"a", b"1")
    await store.put(b"b", b"2")
    deleted = await store.delete_range(b"a", b"c", prev_kv=True)
    assert (deleted.revision, deleted.deleted) == (4, 2)
    assert [kv.key for kv in deleted.prev_kvs] == [b"a", b"b"]
    nothing = await store.delete_range(b"a", b"c")
    assert (nothing.revision, nothing.deleted, nothing.prev_kvs) == (4, 0, ())


async def test_txn_branches_and_per_op_results_carry_the_txn_revision(store: EtcdStore) -> None:
    await store.put(b"a", b"1")
    result = await store.txn(
        [Compare(b"a", "value", "=", b"1"), Compare(b"a", "version", "=", 1)],
        [PutOp(b"b", b"x", prev_kv=True), RangeOp(b"b"), DeleteOp(b"zzz")],
        [RangeOp(b"a")],
    )
    assert result.succeeded
    assert result.revision == 3
    put, read, delete = result.responses
    assert put == PutResult(revision=3, prev_kv=None)
    assert isinstance(read, RangeResult)
    assert read.kvs[0].value == b"x"
    assert read.revision == 3
    assert delete == DeleteResult(revision=3, deleted=0)
    failed = await store.txn(
        [Compare(b"a", "mod_revision", ">", 100)], [PutOp(b"a", b"no")], [RangeOp(b"a")]
    )
    assert not failed.succeeded
    assert failed.revision == 3
    (read,) = failed.responses
    assert isinstance(read, RangeResult)
    assert read.kvs[0].value == b"1"


@pytest.mark.parametrize(
    ("target", "op", "operand"),
    [("value", "=", b""), ("value", "!=", b"x"), ("value", ">", b"")],
)
async def test_every_value_compare_on_a_missing_key_fails(
    store: EtcdStore, target: str, op: str, operand: bytes
) -> None:
    result = await store.txn([Compare(b"missing", target, op, operand)])  # type: ignore[arg-type]
    assert not result.succeeded


@pytest.mark.parametrize(
    "ops",
    [
        [PutOp(b"a", b"1"), PutOp(b"a", b"2")],
        [PutOp(b"a", b"1"), DeleteOp(b"a")],
        [DeleteOp(b"a", b"b"), PutOp(b"a", b"1")],
        [DeleteOp(b"", ALL_KEYS_FROM), PutOp(b"a", b"1")],
    ],
    ids=["put-put", "put-delete", "delete-range-put", "delete-from-key-put"],
)
async def test_writing_a_key_twice_in_a_txn_is_invalid(store: EtcdStore, ops: list) -> None:
    with pytest.raises(InvalidRequestError, match="duplicate key"):
        await store.txn([], ops)
    assert (await store.status()).revision == 1


async def test_bad_arguments_raise_invalid_request(store: EtcdStore) -> None:
    with pytest.raises(InvalidRequestError, match="key is not provided"):
        await store.put(b"", b"v")
    with pytest.raises(InvalidRequestError, match="limit"):
        await store.range(b"a", limit=-1)
    with pytest.raises(InvalidRequestError, match="operand"):
        await store.txn([Compare(b"a", "version", "=", b"1")])
    with pytest.raises(InvalidRequestError, match="ttl"):
        await store.lease_grant(0)


async def test_future_revision_and_compaction_errors_carry_their_revisions(
    store: EtcdStore,
) -> None:
    for i in range(10):
        await store.put(b"k", str(i).encode())  # revisions 2..11
    with pytest.raises(FutureRevisionError) as future:
        await store.range(b"k", revision=12)
    assert (future.value.revision, future.value.current_revision) == (12, 11)
    with pytest.raises(FutureRevisionError):
        await store.compact(50)
    await store.compact(7)
    assert (await store.status()).compact_revision == 7
    with pytest.raises(CompactedError) as compacted:
        await store.range(b"k", revision=6)
    assert (compacted.value.revision, compacted.value.compact_revision) == (6, 7)
    assert (await store.range(b"k", revision=7)).kvs[0].value == b"5"
    with pytest.raises(CompactedError):
        await store.compact(7)


async def test_compaction_by_another_client_is_found(store: EtcdStore, etcd) -> None:
    from components.store.etcd import open_etcd_store

    for i in range(20):
        await store.put(b"k", str(i).encode())
    async with open_etcd_store(etcd.endpoints) as other:
        await other.compact(13)
    assert (await store.status()).compact_revision == 13
    with pytest.raises(CompactedError) as compacted:
        await store.range(b"k", revision=3)
    assert compacted.value.compact_revision == 13


async def test_put_with_unknown_lease_is_lease_not_found(store: EtcdStore) -> None:
    with pytest.raises(LeaseNotFoundError) as missing:
        await store.put(b"k", b"v", lease=424242)
    assert missing.value.lease_id == 424242
    with pytest.raises(LeaseNotFoundError):
        await store.txn([], [PutOp(b"k", b"v", lease=424242)])
