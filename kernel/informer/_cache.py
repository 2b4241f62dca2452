"""`Indexer`: an informer's local cache of objects by key, with secondary indices.

Keys are Kubernetes' ``<namespace>/<name>`` (``<name>`` for cluster-scoped objects). Every
listing is sorted by key, so code iterating the cache behaves the same on every run (a
simulation replays exactly). Indices map a name (``"node"``) and a value (``"node-1"``) to the
keys of the objects the index function returned that value for, e.g. pods by
``spec.nodeName``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from typing import Generic

from kernel.client.types import T
from kernel.objects import KubeObject

IndexFunc = Callable[[T], Iterable[str]]
"""Returns the index values an object is filed under (none, one or several)."""

NAMESPACE_INDEX = "namespace"
"""The index every informer cache has: objects by ``metadata.namespace``."""


def object_key(obj: KubeObject) -> str:
    """Kubernetes' MetaNamespaceKeyFunc: ``ns/name`` for namespaced objects, else ``name``."""
    name = obj.metadata.name or ""
    namespace = obj.metadata.namespace or ""
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> tuple[str, str]:
    """(namespace, name) of a cache key (namespace empty for cluster-scoped objects)."""
    namespace, _, name = key.rpartition("/")
    return namespace, name


def by_namespace(obj: KubeObject) -> list[str]:
    """Index function: the object's namespace (cluster-scoped objects are not indexed)."""
    return [obj.metadata.namespace] if obj.metadata.namespace else []


class Indexer(Generic[T]):
    """Objects by key plus named indices; mutated only by its informer, read by anyone."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}
        self._funcs: dict[str, IndexFunc[T]] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        self._values: dict[str, dict[str, tuple[str, ...]]] = {}
        self.add_index(NAMESPACE_INDEX, by_namespace)

    # ------------------------------------------------------------------ reads

    def get(self, key: str) -> T | None:
        """The object stored under `key` (``ns/name`` or ``name``), or None."""
        return self._items.get(key)

    def get_by_name(self, name: str, namespace: str = "") -> T | None:
        """The object called `name` in `namespace` (empty for cluster-scoped), or None."""
        return self._items.get(f"{namespace}/{name}" if namespace else name)

    def keys(self) -> list[str]:
        """Every key, sorted."""
        return sorted(self._items)

    def list(self) -> list[T]:
        """Every object, in key order."""
        return [self._items[k] for k in sorted(self._items)]

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self.list())

    def add_index(self, name: str, func: IndexFunc[T]) -> None:
        """Add (and build over current contents) an index; a second index of a name fails."""
        if name in self._funcs:
            raise ValueError(f"index {name!r} already exists; pick another name")
        self._funcs[name] = func
        self._indices[name] = {}
        self._values[name] = {}
        for key, obj in self._items.items():
            self._file(name, key, obj)

    def index_names(self) -> builtins.list[str]:
        """The names of the indices, sorted."""
        return sorted(self._funcs)

    def index_keys(self, name: str, value: str) -> builtins.list[str]:
        """Sorted keys of the objects filed under `value` in index `name`."""
        return sorted(self._index(name).get(value, ()))

    def by_index(self, name: str, value: str) -> builtins.list[T]:
        """The objects filed under `value` in index `name`, in key order."""
        return [self._items[k] for k in self.index_keys(name, value)]

    def index_values(self, name: str) -> builtins.list[str]:
        """Every value index `name` currently holds objects under, sorted."""
        return sorted(v for v, keys in self._index(name).items() if keys)

    # ------------------------------------------------------------------ writes (informer)

    def put(self, key: str, obj: T) -> T | None:
        """Store `obj` under `key`, re-indexing it; returns the object it replaced."""
        old = self._items.get(key)
        if old is not None:
            self._unfile(key)
        self._items[key] = obj
        for name in self._funcs:
            self._file(name, key, obj)
        return old

    def remove(self, key: str) -> T | None:
        """Drop `key`; returns the object it held, or None."""
        old = self._items.pop(key, None)
        if old is not None:
            self._unfile(key)
        return old

    # ------------------------------------------------------------------ helpers

    def _index(self, name: str) -> dict[str, set[str]]:
        index = self._indices.get(name)
        if index is None:
            known = ", ".join(sorted(self._funcs))
            raise KeyError(f"no index named {name!r} (indices: {known}); add it with add_index")
        return index

    def _file(self, name: str, key: str, obj: T) -> None:
        values = tuple(dict.fromkeys(self._funcs[name](obj)))
        self._values[name][key] = values
        index = self._indices[name]
        for value in values:
            index.setdefault(value, set()).add(key)

    def _unfile(self, key: str) -> None:
        for name, by_key in self._values.items():
            index = self._indices[name]
            for value in by_key.pop(key, ()):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]


__all__ = ["NAMESPACE_INDEX", "IndexFunc", "Indexer", "by_namespace", "object_key", "split_key"]
