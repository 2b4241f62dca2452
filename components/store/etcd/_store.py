"""`EtcdStore`: the kernel Store contract served by a real etcd cluster through its JSON gateway.

Every method is one gateway call (reads are etcd's default linearizable reads), plus the
contract's argument checks where etcd is more lenient (a negative `limit`, a TTL below one
second). etcd's error answers become the contract's errors; the few that need facts etcd's
message leaves out (the compaction boundary, the current revision) are completed with extra
reads on that error path only.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import get_args

import attrs

from components.store.etcd import _codec as codec
from components.store.etcd._client import GatewayClient, Json
from components.store.etcd._errors import EtcdErrorKind, EtcdServerError
from components.store.etcd._watch import open_watch
from kernel.interfaces.store import (
    CompactedError,
    Compare,
    CompareOp,
    CompareTarget,
    DeleteOp,
    DeleteResult,
    FutureRevisionError,
    InvalidRequestError,
    LeaseGrant,
    LeaseNotFoundError,
    LeaseStatus,
    PutOp,
    PutResult,
    RangeOp,
    RangeResult,
    StoreStatus,
    TxnOp,
    TxnResult,
    WatchEvent,
)

_PROBE_KEY = b"\0"
"""A key no one writes in practice: reads of it only serve to learn revisions."""


def _start_key(key: bytes, range_end: bytes | None) -> bytes:
    """Map an empty start key to the NUL key: etcd rejects an empty key; NUL selects the same."""
    return b"\0" if key == b"" and range_end is not None else key


INT64_MAX = 2**63 - 1
"""etcd's revisions and limits are int64: larger values fail in its gateway (an HTTP 500)."""


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise InvalidRequestError(f"limit must be >= 0 (0 means no limit), got {limit}")
    _check_int64("limit", limit)


def _check_int64(name: str, value: int) -> None:
    if value > INT64_MAX:
        raise InvalidRequestError(f"{name} must fit in an int64, got {value}")


def _check_compare(compare: Compare) -> None:
    if compare.target not in get_args(CompareTarget):
        raise InvalidRequestError(
            f"Compare.target must be one of {get_args(CompareTarget)}, got {compare.target!r}"
        )
    if compare.op not in get_args(CompareOp):
        raise InvalidRequestError(
            f"Compare.op must be one of {get_args(CompareOp)}, got {compare.op!r}"
        )
    wants_bytes = compare.target == "value"
    if wants_bytes != isinstance(compare.operand, bytes) or isinstance(compare.operand, bool):
        kind = "bytes" if wants_bytes else "an int"
        raise InvalidRequestError(
            f"Compare.operand for target {compare.target!r} must be {kind}, got {compare.operand!r}"
        )


def _check_op(op: TxnOp) -> TxnOp:
    if isinstance(op, RangeOp):
        _check_limit(op.limit)
        return attrs.evolve(op, key=_start_key(op.key, op.range_end))
    if isinstance(op, DeleteOp):
        return attrs.evolve(op, key=_start_key(op.key, op.range_end))
    if isinstance(op, PutOp):
        return op
    raise InvalidRequestError(f"txn ops must be RangeOp, PutOp or DeleteOp, got {op!r}")


def _check_from_key_deletes(branch: Sequence[TxnOp]) -> None:
    r"""Reject a put inside a `range_end=b"\0"` delete of the same branch, as the contract does.

    etcd 3.4's duplicate-key check treats such a delete as the empty interval [key, "\0")
    and lets the txn through; every other put/delete overlap etcd rejects itself.
    """
    starts = [op.key for op in branch if isinstance(op, DeleteOp) and op.range_end == b"\0"]
    for op in branch:
        if isinstance(op, PutOp) and any(op.key >= start for start in starts):
            raise InvalidRequestError(
                f"duplicate key given in txn request: {op.key!r} is both put and deleted"
            )


@attrs.define
class EtcdStore:
    """The Store contract over an etcd cluster (see the module docstring)."""

    client: GatewayClient
    _known_compact_revision: int = 0
    """Highest compaction boundary seen so far (compaction only moves forward)."""

    # ------------------------------------------------------------------ errors

    async def _error(
        self, exc: EtcdServerError, *, write: bool, revision: int = 0, lease: int = 0
    ) -> Exception:
        kind = exc.kind
        if kind is EtcdErrorKind.COMPACTED:
            return CompactedError(revision, await self._compact_revision())
        if kind is EtcdErrorKind.FUTURE_REVISION:
            return FutureRevisionError(revision, await self._current_revision())
        if kind is EtcdErrorKind.LEASE_NOT_FOUND:
            return LeaseNotFoundError(lease)
        return exc.simple_error(write=write)

    async def _call(
        self, path: str, payload: Json, *, write: bool, revision: int = 0, lease: int = 0
    ) -> Json:
        try:
            return await self.client.call(path, payload, write=write)
        except EtcdServerError as exc:
            raise await self._error(exc, write=write, revision=revision, lease=lease) from None

    async def _current_revision(self) -> int:
        message = await self.client.call(
            "/v3/kv/range", codec.range_request(_PROBE_KEY, None, count_only=True), write=False
        )
        return codec.header_revision(message)

    async def _readable(self, revision: int) -> bool:
        """Tell whether reads at `revision` are still served (not compacted away)."""
        request = codec.range_request(_PROBE_KEY, None, revision=revision, count_only=True)
        try:
            await self.client.call("/v3/kv/range", request, write=False)
        except EtcdServerError as exc:
            if exc.kind is EtcdErrorKind.COMPACTED:
                return False
            raise
        return True

    async def _compact_revision(self) -> int:
        """Find etcd's compaction boundary, which no v3 call reports directly.

        Reads at `r` fail exactly when `r` is below the boundary, so a binary search over
        revisions finds it, starting from the highest boundary seen before (usually one
        read). A compaction at revision 1 by another client cannot be told from none.
        """
        low = max(self._known_compact_revision, 1)
        if await self._readable(low):
            return self._known_compact_revision
        high = await self._current_revision()  # always readable: compact <= current
        while high - low > 1:  # invariant: low unreadable, high readable
            middle = (low + high) // 2
            if await self._readable(middle):
                high = middle
            else:
                low = middle
        self._known_compact_revision = max(self._known_compact_revision, high)
        return high

    # ------------------------------------------------------------------ KV

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
        _check_limit(limit)
        if revision < 0:
            raise InvalidRequestError(f"revision must be >= 0 (0: latest), got {revision}")
        _check_int64("revision", revision)
        request = codec.range_request(
            _start_key(key, range_end), range_end, revision=revision, limit=limit,
            keys_only=keys_only, count_only=count_only,
        )  # fmt: skip
        message = await self._call("/v3/kv/range", request, write=False, revision=revision)
        return codec.decode_range(message)

    async def put(
        self, key: bytes, value: bytes, *, lease: int = 0, prev_kv: bool = False
    ) -> PutResult:
        request = codec.put_request(key, value, lease=lease, prev_kv=prev_kv)
        message = await self._call("/v3/kv/put", request, write=True, lease=lease)
        return codec.decode_put(message)

    async def delete_range(
        self, key: bytes, range_end: bytes | None = None, *, prev_kv: bool = False
    ) -> DeleteResult:
        request = codec.delete_request(_start_key(key, range_end), range_end, prev_kv=prev_kv)
        message = await self._call("/v3/kv/deleterange", request, write=True)
        return codec.decode_delete(message)

    async def txn(
        self,
        compares: Sequence[Compare],
        success: Sequence[TxnOp] = (),
        failure: Sequence[TxnOp] = (),
    ) -> TxnResult:
        for compare in compares:
            _check_compare(compare)
        success = [_check_op(op) for op in success]
        failure = [_check_op(op) for op in failure]
        _check_from_key_deletes(success)
        _check_from_key_deletes(failure)
        request: Json = {
            "compare": [codec.compare_message(c) for c in compares],
            "success": [codec.txn_op_message(op) for op in success],
            "failure": [codec.txn_op_message(op) for op in failure],
        }
        leases = [op.lease for op in (*success, *failure) if isinstance(op, PutOp) and op.lease]
        message = await self._call(
            "/v3/kv/txn", request, write=True, lease=leases[0] if leases else 0
        )
        succeeded = bool(message.get("succeeded", False))
        revision = codec.header_revision(message)
        responses = codec.decode_txn_responses(
            success if succeeded else failure, message.get("responses", ()), revision
        )
        return TxnResult(succeeded=succeeded, revision=revision, responses=responses)

    def watch(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        if start_revision < 0:
            raise InvalidRequestError(
                f"start_revision must be >= 0 (0: from now on), got {start_revision}"
            )
        _check_int64("start_revision", start_revision)
        return open_watch(
            self.client,
            _start_key(key, range_end),
            range_end,
            start_revision=start_revision,
            prev_kv=prev_kv,
        )

    async def compact(self, revision: int) -> None:
        if revision <= self._known_compact_revision or revision < 1:
            raise CompactedError(revision, await self._compact_revision())
        await self._call(
            "/v3/kv/compaction", {"revision": str(revision)}, write=True, revision=revision
        )
        self._known_compact_revision = max(self._known_compact_revision, revision)

    # ------------------------------------------------------------------ leases

    async def lease_grant(self, ttl: int, lease_id: int = 0) -> LeaseGrant:
        if ttl < 1:
            raise InvalidRequestError(f"lease ttl must be at least 1 second, got {ttl}")
        if lease_id < 0:
            raise InvalidRequestError(f"lease_id must be >= 0 (0: store chooses), got {lease_id}")
        request: Json = {"TTL": str(ttl), "ID": str(lease_id)}
        message = await self._call("/v3/lease/grant", request, write=True)
        if message.get("error"):
            raise InvalidRequestError(f"etcd refused the lease: {message['error']}")
        return LeaseGrant(id=codec.as_int(message.get("ID")), ttl=codec.as_int(message.get("TTL")))

    async def lease_keepalive(self, lease_id: int) -> int:
        try:
            async with self.client.stream("/v3/lease/keepalive", {"ID": str(lease_id)}) as answers:
                async for answer in answers:
                    ttl = codec.as_int(answer.get("TTL"))
                    if ttl <= 0:  # etcd answers TTL 0 for a lease it does not know
                        raise LeaseNotFoundError(lease_id)
                    return ttl
        except EtcdServerError as exc:
            raise await self._error(exc, write=False, lease=lease_id) from None
        raise LeaseNotFoundError(lease_id)

    async def lease_revoke(self, lease_id: int) -> None:
        await self._call("/v3/lease/revoke", {"ID": str(lease_id)}, write=True, lease=lease_id)

    async def lease_time_to_live(self, lease_id: int, *, keys: bool = False) -> LeaseStatus:
        request: Json = {"ID": str(lease_id), "keys": keys}
        message = await self._call("/v3/lease/timetolive", request, write=False, lease=lease_id)
        granted = codec.as_int(message.get("grantedTTL"))
        remaining = codec.as_int(message.get("TTL"))
        if remaining < 0:
            return LeaseStatus(id=lease_id, ttl=-1, granted_ttl=granted)
        # etcd truncates the seconds left; the contract rounds up. The remaining time is
        # never a whole number of nanoseconds in practice, so rounding up is truncation + 1.
        return LeaseStatus(
            id=lease_id,
            ttl=min(remaining + 1, granted),
            granted_ttl=granted,
            keys=tuple(sorted(codec.unb64(k) for k in message.get("keys", ()))),
        )

    # ------------------------------------------------------------------ status

    async def status(self) -> StoreStatus:
        revision = await self._current_revision()
        return StoreStatus(revision=revision, compact_revision=await self._compact_revision())


def etcd_ssl_context(
    cafile: str | Path | None, certfile: str | Path | None, keyfile: str | Path | None
) -> ssl.SSLContext | None:
    """The client TLS context for etcd (ValueError naming the option when unusable)."""
    if not (cafile or certfile or keyfile):
        return None
    if bool(certfile) != bool(keyfile):
        raise ValueError("etcd TLS: --etcd-certfile and --etcd-keyfile go together")
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        if certfile and keyfile:
            context.load_cert_chain(str(certfile), str(keyfile))
    except (OSError, ssl.SSLError) as err:
        raise ValueError(f"etcd TLS: cannot load the CA or client certificate: {err}") from None
    return context


@asynccontextmanager
async def open_etcd_store(
    endpoints: str | Sequence[str] = "http://127.0.0.1:2379",
    *,
    request_timeout: float = 10.0,
    connect_timeout: float = 2.0,
    check: bool = True,
    cafile: str | Path | None = None,
    certfile: str | Path | None = None,
    keyfile: str | Path | None = None,
) -> AsyncIterator[EtcdStore]:
    """Open a Store on the etcd cluster at `endpoints` (a URL, "URL,URL,..." or a list).

    `request_timeout` bounds each call (a write that times out raises
    `StoreUnavailableError(definite=False)`); `check` makes entering fail at once, with
    `StoreUnavailableError`, when no endpoint answers. `cafile`, `certfile` and `keyfile`
    are kube-apiserver's ``--etcd-cafile/--etcd-certfile/--etcd-keyfile``: the CA that signed
    etcd's serving certificate and the client certificate etcd asks for (https:// endpoints).
    """
    context = etcd_ssl_context(cafile, certfile, keyfile)
    client = GatewayClient.from_urls(
        endpoints,
        request_timeout=request_timeout,
        connect_timeout=connect_timeout,
        ssl_context=context,
    )
    try:
        store = EtcdStore(client)
        if check:
            await store._current_revision()
        yield store
    finally:
        await client.aclose()
