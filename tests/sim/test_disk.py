"""The simulated disk: fsync makes writes durable, crashes lose the rest, torn writes."""

from __future__ import annotations

import random

import pytest

from fault_injection.sim import Disk


def test_reads_see_unsynced_writes_crash_reverts_to_synced():
    d = Disk(random.Random(1))
    d.write("a", b"one")
    d.fsync("a")
    d.append("a", b"-two")
    d.write("b", b"never synced")
    assert d.read("a") == b"one-two"
    d.crash()
    assert d.read("a") == b"one"
    assert not d.exists("b")
    assert d.statistics().lost_writes == 2


def test_fsync_all_and_delete_is_durable_only_after_sync():
    d = Disk(random.Random(1))
    d.write("a", b"x")
    d.write("b", b"y")
    d.fsync()
    d.delete("a")
    assert d.listdir() == ["b"]
    d.crash()
    assert d.listdir() == ["a", "b"]
    d.delete("a")
    d.fsync("a")
    d.crash()
    assert d.listdir() == ["b"]
    with pytest.raises(FileNotFoundError, match="no file 'a'"):
        d.read("a")


def test_torn_write_keeps_synced_data_plus_a_strict_prefix_of_later_writes():
    torn = 0
    for seed in range(50):
        d = Disk(random.Random(seed), torn_writes=True)
        d.append("log", b"synced|")
        d.fsync()
        d.append("log", b"record-1|")
        d.append("log", b"record-2|")
        d.crash()
        data = d.read("log")
        full = b"synced|record-1|record-2|"
        assert data.startswith(b"synced|")
        assert full.startswith(data)
        assert data != full  # the last unsynced write never survives whole
        torn += d.statistics().torn_writes
    assert torn > 20


def test_without_torn_writes_a_crash_keeps_nothing_unsynced():
    d = Disk(random.Random(1))
    d.append("log", b"synced|")
    d.fsync()
    for _ in range(5):
        d.append("log", b"x")
    d.crash()
    assert d.read("log") == b"synced|"


def test_bad_file_names_are_rejected():
    with pytest.raises(ValueError, match="file name"):
        Disk(random.Random(1)).write("", b"x")
