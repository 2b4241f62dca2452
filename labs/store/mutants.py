"""Plausible buggy stores the store lab's grader must catch (each wraps the reference store).

Each keeps the reference's behaviour except for one mistake students make.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs

from components.store.memory import open_memory_store
from kernel.interfaces.store import RangeResult, TxnResult


class _Wrapped:
    """Delegates every method to the reference store; mutants override one."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _NoMore(_Wrapped):
    """`range` with a limit says `more=False` and counts only what it returned."""

    async def range(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> RangeResult:
        result = await self._inner.range(key, range_end, **kw)
        if kw.get("limit"):
            return attrs.evolve(result, more=False, count=len(result.kvs))
        return result


class _TxnIgnoresCompares(_Wrapped):
    """`txn` always runs the success branch (the compares are never evaluated)."""

    async def txn(
        self,
        compares: Any,  # noqa: ARG002 - ignoring them is the bug
        success: Any = (),
        failure: Any = (),
    ) -> TxnResult:
        return await self._inner.txn((), success, failure)


class _WatchFromNow(_Wrapped):
    """`watch` ignores `start_revision` and only delivers live events (no replay)."""

    def watch(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> Any:
        kw.pop("start_revision", None)
        return self._inner.watch(key, range_end, **kw)


class _OldReadsSeeNow(_Wrapped):
    """`range(revision=r)` reads the latest state instead of the state at `r`."""

    async def range(self, key: bytes, range_end: bytes | None = None, **kw: Any) -> RangeResult:
        revision = kw.pop("revision", 0)
        status = await self._inner.status()
        if revision and revision > status.revision:
            kw["revision"] = revision  # keep the future-revision error
        elif revision and revision < status.compact_revision:
            kw["revision"] = revision  # keep the compacted error
        return await self._inner.range(key, range_end, **kw)


def _opener(cls: type[_Wrapped]) -> Any:
    @asynccontextmanager
    async def open_mutant(**options: Any) -> AsyncIterator[_Wrapped]:
        async with open_memory_store(**options) as store:
            yield cls(store)

    open_mutant.__doc__ = cls.__doc__
    return open_mutant


open_no_more = _opener(_NoMore)
open_txn_ignores_compares = _opener(_TxnIgnoresCompares)
open_watch_from_now = _opener(_WatchFromNow)
open_old_reads_see_now = _opener(_OldReadsSeeNow)
