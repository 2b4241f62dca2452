"""The Raft store's files are owner-only: its directory 0700, its WAL and snapshots 0600.

Issue 10: "WAL and snapshot files are world-readable (-rw-r--r--)"; they hold every Secret.
"""

from __future__ import annotations

import os
from pathlib import Path

from components.store.raft.real.disk import DirectoryDisk


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_data_directory_and_every_file_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a common umask: without care files come out world-readable
    try:
        root = tmp_path / "member"
        disk = DirectoryDisk(root)
        disk.append("wal", b"entry")
        disk.write("snapshot", b"state")
        disk.fsync()
    finally:
        os.umask(old)
    assert _mode(root) == 0o700
    assert _mode(root / "wal") == 0o600
    assert _mode(root / "snapshot") == 0o600


def test_an_existing_world_readable_directory_is_made_owner_only(tmp_path: Path) -> None:
    root = tmp_path / "member"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    DirectoryDisk(root)
    assert _mode(root) == 0o700
