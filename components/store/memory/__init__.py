"""The embedded default store: an in-memory MVCC implementation of the Store contract.

``async with open_memory_store() as store:`` gives a `MemoryStore`; the block also runs lease
expiry. This is the reference the conformance suite (`kernel.conformance.store`) is checked on.
"""

from __future__ import annotations

from components.store.memory._factory import open_memory_store
from components.store.memory._store import MemoryStore, MemoryStoreStatistics

__all__ = ["MemoryStore", "MemoryStoreStatistics", "open_memory_store"]
