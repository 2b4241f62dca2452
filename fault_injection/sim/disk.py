"""A simulated per-host file store with explicit fsync: what survives a crash is what was synced.

Why: durability bugs (acknowledging before fsync, trusting a half-written log record) only show
when a crash drops the page cache. Writes land in a volatile view that reads see at once; `fsync`
makes a file's pending writes durable; `crash` reverts every file to its durable content. With
`torn_writes`, a crash keeps, per file, a random number of its pending writes in order (never
all) and a random strict prefix of the next one: a disk that persisted part of the page cache
and tore the write it was in the middle of. The last unsynced write never survives whole.
"""

from __future__ import annotations

import random

import attrs


@attrs.frozen
class DiskStatistics:
    """Counters of one disk."""

    writes: int
    """write/append calls."""
    fsyncs: int
    """fsync calls."""
    crashes: int
    """Crashes survived."""
    lost_writes: int
    """Pending writes discarded by crashes."""
    torn_writes: int
    """Writes kept only partially by crashes."""


class Disk:
    """One host's files: name -> bytes, durable content plus pending (unsynced) writes."""

    def __init__(self, rng: random.Random, *, torn_writes: bool = False) -> None:
        self._rng = rng
        self.torn_writes = torn_writes
        """Whether a crash may keep a torn prefix of pending writes (see module docs)."""
        self._durable: dict[str, bytes] = {}
        self._volatile: dict[str, bytes | None] = {}  # None: deleted, not yet synced
        self._pending: dict[str, list[tuple[str, bytes]]] = {}  # ("write"|"append"|"delete", data)
        self._writes = self._fsyncs = self._crashes = self._lost = self._torn = 0

    # -- file operations ---------------------------------------------------------------------
    def read(self, name: str) -> bytes:
        """The file's current content (including unsynced writes); FileNotFoundError if none."""
        if name in self._volatile:
            data = self._volatile[name]
        else:
            data = self._durable.get(name)
        if data is None:
            raise FileNotFoundError(f"no file {name!r} on this simulated disk")
        return data

    def exists(self, name: str) -> bool:
        """Whether the file exists now (synced or not)."""
        try:
            self.read(name)
        except FileNotFoundError:
            return False
        return True

    def listdir(self) -> list[str]:
        """Names of existing files, sorted."""
        names = set(self._durable) | set(self._volatile)
        return sorted(n for n in names if self.exists(n))

    def write(self, name: str, data: bytes) -> None:
        """Replace the file's content (not durable until `fsync`)."""
        self._op(name, "write", bytes(data))

    def append(self, name: str, data: bytes) -> None:
        """Append to the file, creating it if needed (not durable until `fsync`)."""
        self._op(name, "append", bytes(data))

    def delete(self, name: str) -> None:
        """Remove the file (not durable until `fsync`)."""
        self.read(name)
        self._op(name, "delete", b"")

    def _op(self, name: str, kind: str, data: bytes) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"file name must be a non-empty str, got {name!r}")
        self._writes += 1
        self._volatile[name] = _apply(self._current(name), kind, data)
        self._pending.setdefault(name, []).append((kind, data))

    def _current(self, name: str) -> bytes | None:
        return self._volatile[name] if name in self._volatile else self._durable.get(name)

    def fsync(self, name: str | None = None) -> None:
        """Make `name`'s pending writes durable (every file's if `name` is None)."""
        self._fsyncs += 1
        names = sorted(self._pending) if name is None else [name]
        for n in names:
            if n in self._pending:
                del self._pending[n]
                data = self._volatile.pop(n)
                if data is None:
                    self._durable.pop(n, None)
                else:
                    self._durable[n] = data

    def unsynced(self) -> list[str]:
        """Files with pending writes, sorted."""
        return sorted(self._pending)

    # -- faults ------------------------------------------------------------------------------
    def crash(self) -> None:
        """Lose the page cache: every file reverts to durable content (maybe torn, see above)."""
        self._crashes += 1
        for name in sorted(self._pending):
            ops = self._pending[name]
            if self.torn_writes:
                data = self._durable.get(name)
                keep = self._rng.randrange(len(ops))
                for kind, chunk in ops[:keep]:
                    data = _apply(data, kind, chunk)
                if keep < len(ops):
                    kind, chunk = ops[keep]
                    if kind != "delete" and chunk:
                        cut = self._rng.randrange(len(chunk))
                        data = _apply(data, kind, chunk[:cut])
                        self._torn += 1
                    self._lost += len(ops) - keep - 1
                if data is None:
                    self._durable.pop(name, None)
                else:
                    self._durable[name] = data
            else:
                self._lost += len(ops)
        self._pending.clear()
        self._volatile.clear()

    def statistics(self) -> DiskStatistics:
        """Counters since the disk was created."""
        return DiskStatistics(self._writes, self._fsyncs, self._crashes, self._lost, self._torn)


def _apply(data: bytes | None, kind: str, chunk: bytes) -> bytes | None:
    if kind == "write":
        return chunk
    if kind == "append":
        return (data or b"") + chunk
    return None
