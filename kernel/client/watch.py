"""`EventStream`: typed watch events decoded from the wire events of a `RawAPI` watch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Generic

from kernel.client.types import T, WatchEvent
from kernel.objects import decode


class EventStream(Generic[T]):
    """Async iterator of `WatchEvent[T]`; raises the server's StatusError (e.g. 410 Expired)."""

    def __init__(self, cls: type[T], events: AsyncIterator[dict[str, Any]]) -> None:
        self._cls = cls
        self._events = events
        self.resource_version = ""
        """The version of the last event seen: resume a broken watch from here."""

    def __aiter__(self) -> EventStream[T]:
        return self

    async def __anext__(self) -> WatchEvent[T]:
        raw = await self._events.__anext__()
        data = raw.get("object") or {}
        rv = str((data.get("metadata") or {}).get("resourceVersion", ""))
        self.resource_version = rv or self.resource_version
        kind = raw.get("type")
        obj = None if kind == "BOOKMARK" else decode(self._cls, _typed(self._cls, data))
        return WatchEvent(kind, obj, rv, data)  # type: ignore[arg-type]


def _typed(cls: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    """Fill kind/apiVersion when a server left them out (Kubernetes does in lists)."""
    if "kind" in data and "apiVersion" in data:
        return data
    return {**data, "kind": cls.KIND, "apiVersion": cls.API_VERSION}


__all__ = ["EventStream"]
