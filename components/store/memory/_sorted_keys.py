"""A sorted set of byte keys with O(log n) insert/remove and O(log n + k) range iteration.

Python has no sorted container in the standard library and `sortedcontainers` is not one of our
dependencies, so this is the same idea in miniature: the keys live in a list of sorted chunks
of at most `2 * load` keys, with a parallel list of each chunk's largest key. Finding a key is
two bisects; inserting or removing moves at most one chunk's worth of pointers, so a store of
150,000 keys never shifts a 150,000-element list.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

_DEFAULT_LOAD = 512


class SortedKeys:
    """A set of `bytes` kept in ascending byte order."""

    __slots__ = ("_chunks", "_len", "_load", "_maxes")

    def __init__(self, load: int = _DEFAULT_LOAD) -> None:
        self._chunks: list[list[bytes]] = []
        self._maxes: list[bytes] = []
        self._len = 0
        self._load = load

    def __len__(self) -> int:
        return self._len

    def __contains__(self, key: bytes) -> bool:
        i = bisect_left(self._maxes, key)
        if i == len(self._maxes):
            return False
        chunk = self._chunks[i]
        j = bisect_left(chunk, key)
        return chunk[j] == key

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            yield from chunk

    def add(self, key: bytes) -> None:
        """Insert `key`; a key already present is left alone."""
        if not self._maxes:
            self._chunks.append([key])
            self._maxes.append(key)
            self._len = 1
            return
        i = bisect_left(self._maxes, key)
        if i == len(self._maxes):  # larger than everything: append to the last chunk
            i -= 1
            self._chunks[i].append(key)
            self._maxes[i] = key
        else:
            chunk = self._chunks[i]
            j = bisect_left(chunk, key)
            if chunk[j] == key:
                return
            insort(chunk, key)
        self._len += 1
        if len(self._chunks[i]) > 2 * self._load:
            self._split(i)

    def discard(self, key: bytes) -> None:
        """Remove `key` if present."""
        i = bisect_left(self._maxes, key)
        if i == len(self._maxes):
            return
        chunk = self._chunks[i]
        j = bisect_left(chunk, key)
        if chunk[j] != key:
            return
        del chunk[j]
        self._len -= 1
        if not chunk:
            del self._chunks[i]
            del self._maxes[i]
        elif j == len(chunk):
            self._maxes[i] = chunk[-1]

    def irange(self, start: bytes, end: bytes | None) -> Iterator[bytes]:
        """Yield keys `k` with `start <= k < end` (no upper bound when `end` is None), in order."""
        i, j = self._locate(start)
        chunks = self._chunks
        while i < len(chunks):
            chunk = chunks[i]
            if end is not None and chunk[-1] >= end:
                stop = bisect_left(chunk, end, j)
                yield from chunk[j:stop]
                return
            yield from chunk[j:]
            i, j = i + 1, 0

    def count(self, start: bytes, end: bytes | None) -> int:
        """Number of keys `k` with `start <= k < end`, in O(log n + chunks) without iterating."""
        if end is not None and end <= start:
            return 0
        i, j = self._locate(start)
        if end is None:
            ei, ej = len(self._chunks), 0
        else:
            ei, ej = self._locate(end)
        if i == ei:
            return ej - j
        total = len(self._chunks[i]) - j + ej
        for k in range(i + 1, ei):
            total += len(self._chunks[k])
        return total

    def _locate(self, key: bytes) -> tuple[int, int]:
        """Return (chunk index, position in chunk) of the first key >= `key`."""
        i = bisect_left(self._maxes, key)
        if i == len(self._maxes):
            return i, 0
        return i, bisect_left(self._chunks[i], key)

    def _split(self, i: int) -> None:
        chunk = self._chunks[i]
        half = len(chunk) // 2
        left, right = chunk[:half], chunk[half:]
        self._chunks[i : i + 1] = [left, right]
        self._maxes[i : i + 1] = [left[-1], right[-1]]


__all__ = ["SortedKeys"]
