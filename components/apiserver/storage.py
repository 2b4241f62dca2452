"""Wire objects in a `Store`: keys, JSON values, optimistic concurrency through txns.

Objects live at ``/registry/<plural>/<namespace>/<name>`` (cluster-scoped ones at
``/registry/<plural>/<name>``) as JSON without ``metadata.resourceVersion``; on the way out the
resourceVersion is filled in from the key's ``mod_revision``, so it is exactly etcd's revision,
as in Kubernetes. Every write is a txn guarded on the key's revision: create requires
``create_revision == 0`` (else AlreadyExists), update and delete require the ``mod_revision``
the caller read (else Conflict). Store failures become Status errors here, so nothing above
this module sees a `StoreError`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from kernel.api.errors import (
    CONFLICT_MODIFIED,
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    InternalError,
    NotFound,
    ServiceUnavailable,
    StatusError,
    Timeout,
)
from kernel.interfaces.store import (
    CompactedError,
    Compare,
    DeleteOp,
    FutureRevisionError,
    InvalidRequestError,
    KeyValue,
    PutOp,
    RangeResult,
    Store,
    StoreError,
    StoreUnavailableError,
    prefix_end,
)

REGISTRY_PREFIX = "/registry/"

Obj = dict[str, Any]
"""A Kubernetes object in its wire (JSON) form."""


@attrs.frozen
class ResourceKey:
    """Where one resource's objects live; `group` is only used for error messages."""

    plural: str
    group: str = ""
    namespaced: bool = True

    def key(self, namespace: str, name: str) -> bytes:
        """The store key of one object."""
        if self.namespaced:
            return f"{REGISTRY_PREFIX}{self.plural}/{namespace}/{name}".encode()
        return f"{REGISTRY_PREFIX}{self.plural}/{name}".encode()

    def prefix(self, namespace: str | None) -> bytes:
        """The key prefix of every object in `namespace` (or in all namespaces if None)."""
        if self.namespaced and namespace:
            return f"{REGISTRY_PREFIX}{self.plural}/{namespace}/".encode()
        return f"{REGISTRY_PREFIX}{self.plural}/".encode()


def encode(obj: Obj) -> bytes:
    """Serialize for the store, dropping the resourceVersion (the store's revision is the truth)."""
    meta = obj.get("metadata") or {}
    if "resourceVersion" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "resourceVersion"}}
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@attrs.frozen
class Claims:
    """Extra keys a write claims or frees in the same txn (service IPs, node ports).

    `compares` guard the claimed keys (``create_revision == 0``: nobody holds them yet),
    `ops` write or delete them; the object's own guard and write come first in the txn.
    """

    compares: tuple[Compare, ...] = ()
    ops: tuple[PutOp | DeleteOp, ...] = ()


NO_CLAIMS = Claims()
"""A write that claims nothing beside its object."""


class ClaimLostError(Exception):
    """The object's guard held but a claimed key was taken meanwhile (retry with a new claim)."""


def decode(kv: KeyValue, revision: int | None = None) -> Obj:
    """Deserialize a stored object and stamp its resourceVersion (`revision` overrides)."""
    obj = json.loads(kv.value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision or kv.mod_revision)
    return obj


@contextmanager
def store_errors() -> Iterator[None]:
    """Translate store exceptions into Status errors for the caller's request."""
    try:
        yield
    except StatusError:
        raise
    except CompactedError as err:
        raise Expired.too_old(err.revision, err.compact_revision) from err
    except FutureRevisionError as err:
        raise Timeout(
            f"Too large resource version: {err.revision}, current: {err.current_revision}"
        ) from err
    except StoreUnavailableError as err:
        if err.definite:
            raise ServiceUnavailable(f"storage is unavailable, please retry: {err}") from err
        raise Timeout(f"the storage request timed out and may have taken effect: {err}") from err
    except InvalidRequestError as err:  # out-of-range revisions or limits from the request
        raise BadRequest(f"the storage refused the request: {err}") from err
    except StoreError as err:
        raise InternalError(f"storage error: {err}") from err


@attrs.frozen
class Storage:
    """Typed access to wire objects in a store; stateless apart from the store itself."""

    store: Store

    async def get(self, rk: ResourceKey, namespace: str, name: str) -> Obj:
        """Read one object or raise NotFound."""
        with store_errors():
            res = await self.store.range(rk.key(namespace, name))
        if not res.kvs:
            raise NotFound.new(rk.plural, rk.group, name)
        return decode(res.kvs[0])

    async def try_get(self, rk: ResourceKey, namespace: str, name: str) -> Obj | None:
        """Read one object, None when absent."""
        with store_errors():
            res = await self.store.range(rk.key(namespace, name))
        return decode(res.kvs[0]) if res.kvs else None

    async def create(
        self, rk: ResourceKey, namespace: str, name: str, obj: Obj, claims: Claims = NO_CLAIMS
    ) -> Obj:
        """Write a new object; AlreadyExists if the name is taken, ClaimLostError if a claim is."""
        key = rk.key(namespace, name)
        with store_errors():
            res = await self.store.txn(
                [Compare(key, "create_revision", "=", 0), *claims.compares],
                [PutOp(key, encode(obj)), *claims.ops],
            )
        if not res.succeeded:
            if claims.compares and await self.try_get(rk, namespace, name) is None:
                raise ClaimLostError(name)
            raise AlreadyExists.new(rk.plural, rk.group, name)
        return _stamped(obj, res.revision)

    async def update(  # noqa: PLR0917 - the generic write plus its claims
        self,
        rk: ResourceKey,
        namespace: str,
        name: str,
        obj: Obj,
        expected: int,
        claims: Claims = NO_CLAIMS,
    ) -> Obj:
        """Replace an object if its mod_revision is still `expected`; else Conflict/NotFound."""
        key = rk.key(namespace, name)
        with store_errors():
            res = await self.store.txn(
                [Compare(key, "mod_revision", "=", expected), *claims.compares],
                [PutOp(key, encode(obj)), *claims.ops],
            )
        if not res.succeeded:
            await self._explain_failure(rk, namespace, name, expected, claims)
        return _stamped(obj, res.revision)

    async def delete(  # noqa: PLR0917 - the generic write plus its claims
        self,
        rk: ResourceKey,
        namespace: str,
        name: str,
        expected: int,
        last: Obj,
        claims: Claims = NO_CLAIMS,
    ) -> Obj:
        """Remove an object if its mod_revision is still `expected`; returns its last state."""
        key = rk.key(namespace, name)
        with store_errors():
            res = await self.store.txn(
                [Compare(key, "mod_revision", "=", expected), *claims.compares],
                [DeleteOp(key), *claims.ops],
            )
        if not res.succeeded:
            await self._explain_failure(rk, namespace, name, expected, claims)
        return _stamped(last, res.revision)

    async def _explain_failure(
        self,
        rk: ResourceKey,
        namespace: str,
        name: str,
        expected: int = 0,
        claims: Claims = NO_CLAIMS,
    ) -> None:
        current = await self.try_get(rk, namespace, name)
        if current is None:
            raise NotFound.new(rk.plural, rk.group, name)
        if claims.compares and int(current["metadata"]["resourceVersion"]) == expected:
            raise ClaimLostError(name)
        raise Conflict.new(rk.plural, rk.group, name, CONFLICT_MODIFIED)

    async def range(
        self, start: bytes, end: bytes, *, revision: int = 0, limit: int = 0
    ) -> RangeResult:
        """One page of raw keys in `[start, end)` at `revision` (0: latest)."""
        with store_errors():
            return await self.store.range(start, end, revision=revision, limit=limit)

    async def revision(self) -> int:
        """The store's current revision."""
        with store_errors():
            return (await self.store.status()).revision

    async def compact_revision(self) -> int:
        """The store's compaction boundary (0 when never compacted)."""
        with store_errors():
            return (await self.store.status()).compact_revision

    async def scan(
        self, prefix: bytes, *, revision: int = 0, page: int = 500
    ) -> AsyncIterator[Obj]:
        """Every object under `prefix` at `revision`, read in pages (for deletecollection).

        ``revision=0`` reads at the first page's header revision, so all pages agree without
        an extra status() round trip.
        """
        start, end = prefix, prefix_end(prefix)
        while True:
            res = await self.range(start, end, revision=revision, limit=page)
            revision = revision or res.revision
            for kv in res.kvs:
                yield decode(kv)
            if not res.more or not res.kvs:
                return
            start = res.kvs[-1].key + b"\0"


def _stamped(obj: Obj, revision: int) -> Obj:
    meta = dict(obj.get("metadata") or {})
    meta["resourceVersion"] = str(revision)
    return {**obj, "metadata": meta}


__all__ = [
    "NO_CLAIMS",
    "REGISTRY_PREFIX",
    "ClaimLostError",
    "Claims",
    "Obj",
    "ResourceKey",
    "Storage",
    "decode",
    "encode",
    "store_errors",
]
