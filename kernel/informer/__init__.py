"""Informers: list+watch caches every component reads instead of polling the API server."""

from __future__ import annotations

from kernel.informer._cache import (
    NAMESPACE_INDEX,
    Indexer,
    IndexFunc,
    by_namespace,
    object_key,
    split_key,
)
from kernel.informer._factory import SharedInformerFactory
from kernel.informer._informer import EventHandler, Informer, InformerStatistics

__all__ = [
    "NAMESPACE_INDEX",
    "EventHandler",
    "IndexFunc",
    "Indexer",
    "Informer",
    "InformerStatistics",
    "SharedInformerFactory",
    "by_namespace",
    "object_key",
    "split_key",
]
