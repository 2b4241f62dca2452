"""DirectoryDisk: the HostDisk contract on real files, with replace-at-fsync semantics."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from components.store.raft.real.disk import TMP_SUFFIX, DirectoryDisk, DiskError


@pytest.mark.parametrize("fsync", [True, False])
def test_appends_are_read_back_and_survive_a_reopen_after_fsync(
    tmp_path: Path, fsync: bool
) -> None:
    disk = DirectoryDisk(tmp_path, fsync=fsync)
    disk.append("wal-1", b"abc")
    disk.append("wal-1", b"def")
    assert disk.read("wal-1") == b"abcdef"
    disk.fsync("wal-1")
    disk.close()
    again = DirectoryDisk(tmp_path, fsync=fsync)
    assert again.read("wal-1") == b"abcdef"
    assert again.listdir() == ["wal-1"]


def test_a_replace_is_visible_at_once_but_on_disk_only_after_fsync(tmp_path: Path) -> None:
    disk = DirectoryDisk(tmp_path)
    disk.write("snap", b"old")
    disk.fsync("snap")
    disk.write("snap", b"new")
    disk.append("snap", b"+tail")
    assert disk.read("snap") == b"new+tail"
    assert (tmp_path / "snap").read_bytes() == b"old"  # a crash now keeps the old file whole
    disk.fsync()
    assert (tmp_path / "snap").read_bytes() == b"new+tail"
    assert not list(tmp_path.glob(f"*{TMP_SUFFIX}"))


def test_a_pending_file_exists_and_is_listed_before_its_fsync(tmp_path: Path) -> None:
    disk = DirectoryDisk(tmp_path)
    disk.write("b", b"1")
    disk.append("a", b"2")
    assert disk.exists("b")
    assert disk.listdir() == ["a", "b"]
    assert not (tmp_path / "b").exists()


def test_delete_removes_the_file_and_a_missing_one_raises(tmp_path: Path) -> None:
    disk = DirectoryDisk(tmp_path)
    disk.append("x", b"data")
    disk.fsync("x")
    disk.delete("x")
    disk.fsync()
    assert not disk.exists("x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(FileNotFoundError):
        disk.delete("x")
    with pytest.raises(FileNotFoundError):
        disk.read("x")


def test_leftover_temporary_files_are_removed_on_open(tmp_path: Path) -> None:
    (tmp_path / f"snap{TMP_SUFFIX}").write_bytes(b"half")
    assert DirectoryDisk(tmp_path).listdir() == []
    assert not (tmp_path / f"snap{TMP_SUFFIX}").exists()


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".", "..", f"s{TMP_SUFFIX}"])
def test_names_outside_the_directory_are_refused(tmp_path: Path, name: str) -> None:
    disk = DirectoryDisk(tmp_path)
    with pytest.raises(DiskError):
        disk.write(name, b"x")


def test_a_replace_that_fails_keeps_the_new_content_pending_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = DirectoryDisk(tmp_path)
    disk.write("snap", b"old")
    disk.fsync()
    disk.write("snap", b"new")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", disk_full)
        with pytest.raises(OSError, match="No space"):
            disk.fsync("snap")
    assert disk.read("snap") == b"new"  # still what the program wrote
    assert (tmp_path / "snap").read_bytes() == b"old"  # the old file is whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]
    disk.fsync()  # the disk has room again: the retry lands
    assert (tmp_path / "snap").read_bytes() == b"new"


def test_the_directory_is_synced_exactly_when_a_name_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components.store.raft.real import disk as disk_module

    dir_syncs: list[int] = []
    monkeypatch.setattr(DirectoryDisk, "_sync_dir", lambda self: dir_syncs.append(1))
    monkeypatch.setattr(disk_module, "_sync_data", lambda fd: None)
    disk = DirectoryDisk(tmp_path)
    steps = [
        (lambda: disk.append("wal", b"a"), 1),  # created
        (lambda: disk.append("wal", b"b"), 0),  # grown: the data sync is enough
        (lambda: disk.write("snap", b"s"), 1),  # renamed into place
        (lambda: disk.delete("wal"), 1),  # removed
        (lambda: None, 0),
    ]
    for step, expected in steps:
        before = len(dir_syncs)
        step()
        disk.fsync()
        assert len(dir_syncs) - before == expected


def test_no_descriptor_is_left_open_after_close(tmp_path: Path) -> None:
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.exists():
        pytest.skip("needs /proc")
    before = len(list(fd_dir.iterdir()))
    disk = DirectoryDisk(tmp_path)
    for i in range(20):
        disk.append(f"wal-{i}", b"x" * 10)
        disk.fsync()
        if i % 2:
            disk.write(f"wal-{i}", b"replaced")  # an appended file replaced
        else:
            disk.delete(f"wal-{i}")
        disk.fsync()
    disk.append("wal-1", b"more")
    disk.read("wal-1")
    disk.close()
    assert len(list(fd_dir.iterdir())) == before
