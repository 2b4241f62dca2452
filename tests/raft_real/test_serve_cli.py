"""`kubelab store serve`: bad flags and unusable data end the process with one clear line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from components.store.raft.local import free_ports
from components.store.raft.wal import frame, segment_name
from tests.raft_real.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX")


def serve_fails(*args: str, kubelab: bool = False) -> str:
    """Run serve expecting a refusal; return its one stderr line (no traceback)."""
    cmd = [sys.executable, "-m", "kernel.cli.app", "store", "serve"] if kubelab else [
        sys.executable, "-m", "components.store.raft.serve",
    ]  # fmt: skip
    done = subprocess.run([*cmd, *args], check=False, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.strip().splitlines() if " ready: " not in line]
    assert len(lines) == 1, done.stderr
    return lines[0]


def write_corrupt_wal(data_dir: Path) -> str:
    """A WAL segment whose second record is damaged and followed by a third: corruption."""
    from components.store.raft.values import pack

    data_dir.mkdir(parents=True, exist_ok=True)
    second = bytearray(frame(pack(("ready", None, []))))
    second[-1] ^= 0xFF
    body = frame(pack(("base", 0, 0))) + bytes(second) + frame(pack(("ready", None, [])))
    (data_dir / segment_name(0)).write_bytes(body)
    return segment_name(0)


def peers_flag() -> tuple[str, list[int]]:
    ports = free_ports(4)
    return f"n1=127.0.0.1:{ports[0]},n2=127.0.0.1:{ports[1]},n3=127.0.0.1:{ports[2]}", ports


def test_an_unknown_name_is_refused_naming_the_flag(tmp_path: Path) -> None:
    peers, ports = peers_flag()
    line = serve_fails(
        "--name", "n9", "--peers", peers, "--client-port", str(ports[3]), "--data", str(tmp_path),
        kubelab=True,
    )  # fmt: skip
    assert line == "kubelab: --name: 'n9' is not in --peers (n1, n2, n3)"


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("n1=127.0.0.1", "is not NAME=HOST:PORT"),
        ("n1:127.0.0.1:2380", "is not NAME=HOST:PORT"),
        ("n1=127.0.0.1:99999", "not in 1..65535"),
        ("n1=127.0.0.1:2380,n1=127.0.0.1:2381", "listed twice"),
        ("n1=127.0.0.1:2380, n1 =127.0.0.1:2381", "listed twice"),
    ],
)
def test_a_bad_peer_spec_is_refused_naming_the_flag(tmp_path: Path, spec: str, why: str) -> None:
    line = serve_fails("--name", "n1", "--peers", spec, "--data", str(tmp_path))
    assert line.startswith("kubelab: --peers: ")
    assert why in line


def test_a_taken_port_is_refused_in_one_line(tmp_path: Path) -> None:
    peers, ports = peers_flag()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[3]))
        sock.listen()
        line = serve_fails(
            "--name", "n1", "--peers", peers, "--client-port", str(ports[3]),
            "--data", str(tmp_path), "--no-fsync",
        )  # fmt: skip
    assert line.startswith(f"kubelab: --client-port: cannot listen on 127.0.0.1:{ports[3]} ")
    assert "in use" in line


def test_a_peer_address_that_is_not_ours_is_refused_naming_peers(tmp_path: Path) -> None:
    ports = free_ports(2)
    line = serve_fails(
        "--name", "n1", "--peers", f"n1=192.0.2.1:{ports[0]},n2=127.0.0.1:1",
        "--client-port", str(ports[1]), "--data", str(tmp_path), "--no-fsync",
    )  # fmt: skip
    assert line.startswith(f"kubelab: --peers: cannot listen on 192.0.2.1:{ports[0]} ")
    assert "peer address of n1" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_data_dir_is_refused_naming_it(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    peers, ports = peers_flag()
    line = serve_fails(
        "--name", "n1", "--peers", peers, "--client-port", str(ports[3]), "--data", str(locked),
    )  # fmt: skip
    assert line.startswith(f"kubelab: --data {locked}: not writable")


def test_a_data_path_that_is_a_file_is_refused_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    peers, ports = peers_flag()
    line = serve_fails(
        "--name", "n1", "--peers", peers, "--client-port", str(ports[3]),
        "--data", str(blocker / "data"),
    )  # fmt: skip
    assert line.startswith(f"kubelab: --data {blocker / 'data'}: not writable")


def test_a_corrupted_wal_is_refused_naming_the_file(tmp_path: Path) -> None:
    name = write_corrupt_wal(tmp_path)
    peers, ports = peers_flag()
    line = serve_fails(
        "--name", "n1", "--peers", peers, "--client-port", str(ports[3]),
        "--data", str(tmp_path), "--no-fsync",
    )  # fmt: skip
    assert line.startswith(f"kubelab: --data {tmp_path}: ")
    assert name in line
    assert "corrupt" in line


def test_a_bad_member_option_is_refused_naming_the_flag(tmp_path: Path) -> None:
    peers, ports = peers_flag()
    line = serve_fails(
        "--name", "n1", "--peers", peers, "--client-port", str(ports[3]),
        "--data", str(tmp_path), "--snapshot-entries", "0",
    )  # fmt: skip
    assert line == "kubelab: --snapshot-entries: snapshot_entries must be >= 1, got 0"


async def test_the_launcher_reports_a_member_that_cannot_recover(tmp_path: Path) -> None:
    from components.store.raft.local import LocalRaftError, open_local_raft_store

    write_corrupt_wal(tmp_path / "n2")
    with pytest.raises(LocalRaftError, match=r"member n2 exited with code 1: .*corrupt"):
        async with open_local_raft_store(3, fsync=False, data_dir=tmp_path):
            pass


def test_a_member_whose_launcher_is_already_gone_does_not_start(tmp_path: Path) -> None:
    peers, ports = peers_flag()
    not_our_parent = os.getpid() + 1_000_000  # the launcher died and we were re-parented
    done = subprocess.run(
        [
            sys.executable, "-m", "components.store.raft.serve", "--name", "n1",
            "--peers", peers, "--client-port", str(ports[3]), "--data", str(tmp_path),
            "--parent-pid", str(not_our_parent),
        ],
        check=False, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"parent process {not_our_parent} exited" in done.stderr
    assert " ready: " not in done.stderr


LAUNCHER = """
import sys, trio
from components.store.raft.local import open_local_raft_cluster
async def main():
    async with open_local_raft_cluster(1, fsync=False, data_dir=sys.argv[1]) as cluster:
        print(cluster.member("n1").process.pid, flush=True)
        await trio.sleep_forever()
trio.run(main)
"""


def test_members_stop_when_their_launcher_is_killed(tmp_path: Path) -> None:
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert launcher.stdout is not None
        member_pid = int(launcher.stdout.readline())
    finally:
        launcher.kill()  # SIGKILL: no clean-up code runs in the launcher
        launcher.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(member_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(member_pid, signal.SIGKILL)
    pytest.fail(f"member {member_pid} outlived its launcher by 20 s")
