"""`DirectoryDisk`: the `kernel.hosting.HostDisk` contract over one real directory.

Crash semantics match the simulator's disk as closely as a real file system allows:

* ``append`` writes through to the file at once (a crash may keep, lose or tear the unsynced
  tail; the WAL's per-record checksums find a torn tail);
* ``write`` (replace) is held in memory until ``fsync``, which then writes a temporary file,
  syncs it, renames it over the old one and syncs the directory: a crash before the fsync
  leaves the old content whole, never a half-written snapshot; a failed ``fsync`` (e.g. a
  full disk) raises, removes its temporary file and keeps the new content pending;
* ``fsync`` of a file created or deleted since the last sync also syncs the directory, so
  the name survives a crash with the data.

``fsync=False`` (tests, ``--no-fsync``) skips the sync system calls and keeps everything else.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TMP_SUFFIX = ".kubelab-tmp"
"""Suffix of the temporary files `fsync` renames into place (never listed)."""

_sync_data = getattr(os, "fdatasync", os.fsync)


class DiskError(OSError):
    """A file name the disk refuses (it must be a plain name inside the directory)."""


class DirectoryDisk:
    """Files in `root`; reads see unsynced writes; only `fsync`ed data survives a crash."""

    def __init__(self, root: str | Path, *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.sync_enabled = fsync
        self._fds: dict[str, int] = {}
        """Open append descriptors, by name (the WAL is appended to on every ready batch)."""
        self._pending: dict[str, bytearray] = {}
        """Replaced content not yet on disk, by name."""
        self._dirty: set[str] = set()
        """Files appended to since their last sync."""
        self._dir_dirty = False
        """A name was created or removed since the directory was last synced."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)  # the WAL and snapshots hold every Secret: owner-only
        for leftover in self.root.glob(f"*{TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)

    # -- reads --------------------------------------------------------------------------------
    def _path(self, name: str) -> str:
        if not name or "/" in name or name in (".", "..") or "\0" in name:
            raise DiskError(f"invalid file name {name!r} (a plain name is required)")
        if name.endswith(TMP_SUFFIX):
            raise DiskError(f"file name {name!r} uses the reserved suffix {TMP_SUFFIX}")
        return os.path.join(self.root, name)  # noqa: PTH118 - hot path; plain str is cheaper

    def read(self, name: str) -> bytes:
        """The file's current content (unsynced writes included); FileNotFoundError if absent."""
        path = self._path(name)
        pending = self._pending.get(name)
        if pending is not None:
            return bytes(pending)
        with open(path, "rb") as f:  # noqa: PTH123
            return f.read()

    def exists(self, name: str) -> bool:
        """Whether the file exists now."""
        return name in self._pending or os.path.exists(self._path(name))  # noqa: PTH110

    def listdir(self) -> list[str]:
        """Every file name, sorted (temporary files excluded)."""
        names = {p.name for p in self.root.iterdir() if not p.name.endswith(TMP_SUFFIX)}
        return sorted(names | self._pending.keys())

    # -- writes -------------------------------------------------------------------------------
    def write(self, name: str, data: bytes) -> None:
        """Replace the file's content; it reaches the disk, atomically, at `fsync`."""
        self._path(name)
        self._close(name)
        self._pending[name] = bytearray(data)

    def append(self, name: str, data: bytes) -> None:
        """Append to the file now (durable at `fsync`)."""
        pending = self._pending.get(name)
        if pending is not None:
            pending += data
            return
        fd = self._fds.get(name)
        if fd is None:
            path = self._path(name)
            if not os.path.exists(path):  # noqa: PTH110
                self._dir_dirty = True
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._fds[name] = fd
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        self._dirty.add(name)

    def delete(self, name: str) -> None:
        """Remove the file (the removal is durable at the next `fsync`)."""
        path = self._path(name)
        self._close(name)
        had_pending = self._pending.pop(name, None) is not None
        try:
            os.unlink(path)  # noqa: PTH108
        except FileNotFoundError:
            if not had_pending:
                raise
        self._dirty.discard(name)
        self._dir_dirty = True

    def fsync(self, name: str | None = None) -> None:
        """Make the file's pending writes durable (every file's with None), and its name."""
        names = list(self._pending.keys() | self._dirty) if name is None else [name]
        for n in names:
            pending = self._pending.get(n)
            if pending is not None:
                self._replace(n, pending)
                del self._pending[n]  # only once it is on disk: a failed sync keeps it
            elif n in self._dirty:
                self._dirty.discard(n)
                if self.sync_enabled:
                    _sync_data(self._fds[n])
        if self._dir_dirty:
            self._dir_dirty = False
            if self.sync_enabled:
                self._sync_dir()

    def _replace(self, name: str, data: bytearray) -> None:
        path = self._path(name)
        tmp = path + TMP_SUFFIX
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                if self.sync_enabled:
                    _sync_data(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)  # noqa: PTH105 - str paths on the hot path
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # noqa: PTH108 - e.g. ENOSPC: leave no half temporary file
            raise
        self._dir_dirty = True

    def _sync_dir(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _close(self, name: str) -> None:
        fd = self._fds.pop(name, None)
        if fd is not None:
            os.close(fd)
        self._dirty.discard(name)  # replaced or removed: its unsynced appends no longer matter

    def close(self) -> None:
        """Close every open descriptor (unsynced appends stay in the page cache)."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


__all__ = ["TMP_SUFFIX", "DirectoryDisk", "DiskError"]
