"""DirectoryDisk: the HostDisk contract on real files, with replace-at-fsync semantics."""

from __future__ import annotations

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
