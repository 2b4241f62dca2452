"""Start and stop real etcd members on loopback: for tests, benchmarks and `kubelab up`.

`open_local_etcd(n_members=3)` runs an n-member etcd cluster as child processes on random free
127.0.0.1 ports with a temporary (or given) data directory, waits until it has a leader and
answers v3 requests, and kills every member on exit. The settings favour quick elections
(10 ms heartbeat, 100 ms election timeout), which also brings etcd's minimum lease TTL down to
one second, the contract's smallest TTL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import attrs
import trio

ETCD_BINARY_ENV = "KUBELAB_ETCD_BINARY"
"""Environment variable naming the etcd binary to run (default: `etcd` on PATH)."""


class LocalEtcdError(RuntimeError):
    """A local etcd member could not be started (binary missing, did not become healthy)."""


def find_etcd_binary() -> str | None:
    """Return the path of the etcd binary ($KUBELAB_ETCD_BINARY or `etcd` on PATH), or None."""
    configured = os.environ.get(ETCD_BINARY_ENV)
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("etcd")


@attrs.frozen
class LocalEtcdMember:
    """One running etcd member: its name, URLs, data directory and log file."""

    name: str
    client_url: str
    """`http://127.0.0.1:PORT`, what a Store connects to."""
    peer_url: str
    data_dir: Path
    log_path: Path
    """etcd's own log (stderr) for this member: read it when something goes wrong."""


@attrs.define
class LocalEtcd:
    """A running local etcd cluster; `endpoints` is what `open_etcd_store` takes."""

    members: tuple[LocalEtcdMember, ...]
    _processes: list[trio.Process] = attrs.field(factory=list, repr=False)

    @property
    def endpoints(self) -> list[str]:
        """Client URLs of every member."""
        return [m.client_url for m in self.members]

    def kill(self, index: int) -> None:
        """SIGKILL member `index` (fault tests); it is not restarted."""
        proc = self._processes[index]
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)


def _free_ports(count: int) -> list[int]:
    """Pick `count` distinct free TCP ports on 127.0.0.1 by binding port 0."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _member_args(
    binary: str, member: LocalEtcdMember, cluster: str, token: str, fast: bool
) -> list[str]:
    args = [
        binary,
        "--name", member.name,
        "--data-dir", str(member.data_dir),
        "--listen-client-urls", member.client_url,
        "--advertise-client-urls", member.client_url,
        "--listen-peer-urls", member.peer_url,
        "--initial-advertise-peer-urls", member.peer_url,
        "--initial-cluster", cluster,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", token,
        "--logger", "zap",
        "--log-outputs", "stderr",
        "--log-level", "warn",
    ]  # fmt: skip
    if fast:
        args += ["--heartbeat-interval", "10", "--election-timeout", "100"]
    return args


async def _healthy(client_url: str) -> bool:
    """Tell whether the member serves a linearizable v3 read (so it has a leader)."""
    import httpx

    body = {"key": "AA==", "count_only": True}
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            response = await client.post(f"{client_url}/v3/kv/range", json=body)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and "header" in json.loads(response.text or "{}")


async def _wait_healthy(etcd: LocalEtcd, timeout: float) -> None:
    """Poll every member until it serves reads; fail early if one exits."""
    with trio.move_on_after(timeout) as scope:
        for member, proc in zip(etcd.members, etcd._processes, strict=True):
            while not await _healthy(member.client_url):
                if proc.returncode is not None:
                    raise LocalEtcdError(
                        f"etcd member {member.name} exited with code {proc.returncode}; "
                        "see its log below"
                    )
                await trio.sleep(0.05)
    if scope.cancelled_caught:
        raise LocalEtcdError(
            f"local etcd did not become healthy within {timeout:.0f} s; logs in "
            f"{etcd.members[0].data_dir.parent}"
        )


@asynccontextmanager
async def open_local_etcd(
    n_members: int = 1,
    *,
    data_dir: str | Path | None = None,
    binary: str | None = None,
    fast: bool = True,
    startup_timeout: float = 30.0,
) -> AsyncIterator[LocalEtcd]:
    """Run an `n_members` etcd cluster on loopback for the duration of the block.

    `data_dir` holds one sub-directory per member (a temporary directory, removed afterwards,
    when None). `fast` selects 10 ms heartbeats and a 100 ms election timeout. Raises
    `LocalEtcdError` when the binary is missing or the cluster does not become healthy.
    """
    if n_members < 1:
        raise ValueError(f"n_members must be at least 1, got {n_members}")
    binary = binary or find_etcd_binary()
    if binary is None:
        raise LocalEtcdError(
            "the etcd binary was not found on PATH; install it (apt-get install etcd-server) "
            f"or set {ETCD_BINARY_ENV}"
        )
    tmp = None
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="kubelab-etcd-")
        root = Path(tmp)
    else:
        root = Path(data_dir)
        root.mkdir(parents=True, exist_ok=True)
    ports = _free_ports(2 * n_members)
    members = tuple(
        LocalEtcdMember(
            name=f"m{i}",
            client_url=f"http://127.0.0.1:{ports[2 * i]}",
            peer_url=f"http://127.0.0.1:{ports[2 * i + 1]}",
            data_dir=root / f"m{i}",
            log_path=root / f"m{i}.log",
        )
        for i in range(n_members)
    )
    cluster = ",".join(f"{m.name}={m.peer_url}" for m in members)
    token = f"kubelab-{ports[0]}"
    etcd = LocalEtcd(members=members)
    logs = []
    try:
        for member in members:
            log = member.log_path.open("ab")
            logs.append(log)
            proc = await trio.lowlevel.open_process(
                _member_args(binary, member, cluster, token, fast),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
            etcd._processes.append(proc)
        try:
            await _wait_healthy(etcd, startup_timeout)
        except LocalEtcdError as exc:
            tails = "\n".join(f"--- {m.log_path}\n{_log_tail(m.log_path)}" for m in members)
            raise LocalEtcdError(f"{exc}\n{tails}") from None
        yield etcd
    finally:
        with trio.CancelScope(shield=True):
            await _stop_all(etcd._processes)
        for log in logs:
            log.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _log_tail(path: Path, lines: int = 10) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def _stop_all(processes: list[trio.Process]) -> None:
    """SIGTERM every member, wait up to 1 s, then SIGKILL whatever is left.

    A member of a multi-member cluster tries to hand leadership over on SIGTERM and can
    linger for seconds while its peers are going away too; nothing here needs that grace.
    """
    for proc in processes:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    with trio.move_on_after(1):
        for proc in processes:
            await proc.wait()
    for proc in processes:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()


__all__ = [
    "ETCD_BINARY_ENV",
    "LocalEtcd",
    "LocalEtcdError",
    "LocalEtcdMember",
    "find_etcd_binary",
    "open_local_etcd",
]
