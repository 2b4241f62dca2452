"""Local Raft clusters: `kubelab store serve` processes on free loopback ports.

`open_local_raft_cluster(n)` starts ``n`` member processes (data in a temporary directory, or
in `data_dir`) and yields a `LocalRaft` that can SIGKILL and restart members (the real-mode
crash test). `open_local_raft_store(n, fsync=True)` yields a `RaftClient` on such a cluster
(benchmarks, tests). `open_up_raft_store(state_dir)` is the ``raft`` entry of
``kubelab.store`` used by ``kubelab up --store raft``: three members whose data stays in
``<state-dir>/raft`` across restarts.

Members speak mutual TLS by default: a CA (``<state-dir>/pki``, the cluster's, for ``kubelab
up``; else ``<data>/pki``) signs one certificate per member (CN = its name) and one for the
client (``kube-apiserver``); the members accept no connection without such a certificate.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import attrs
import trio

from components.store.raft.client import RaftClient
from components.store.raft.real.host import Address
from components.store.raft.real.tls import StoreTLS
from components.store.raft.serve import DEFAULT_PROGRAM, LISTEN_FAILED
from components.store.raft.tcp_transport import open_tcp_client_transport
from components.store.raft.transport import ClientTransport
from kernel.exception_groups import first_leaf, lone_exception
from kernel.interfaces.store import StoreError, StoreUnavailableError
from kernel.pki import ensure_cluster_ca, issue, private_dir, write_pair

READY_MARK = " ready: "
"""What a member's log says once its ports are bound and its state recovered (see `serve`)."""
PORT_ATTEMPTS = 3
"""Port choices a cluster start tries: ports are picked free but released before the members
bind them, so another process (a parallel test run) can take one in between."""


class LocalRaftError(StoreError):
    """A local member did not start (the last line of its log is in the message)."""


@attrs.define
class LocalRaftMember:
    """One member process: its name, ports, data directory and log file."""

    name: str
    peer_port: int
    client_port: int
    data_dir: Path
    log_path: Path
    process: trio.Process | None = None
    starts: int = 0
    """How many times it was started (restarts included)."""

    @property
    def client_address(self) -> Address:
        """Where clients connect to this member."""
        return ("127.0.0.1", self.client_port)

    @property
    def running(self) -> bool:
        """Whether its process is alive."""
        return self.process is not None and self.process.returncode is None


@attrs.define
class LocalRaft:
    """A running local cluster: start, kill and restart members by name."""

    members: tuple[LocalRaftMember, ...]
    fsync: bool
    program: str
    seed: int
    startup_timeout: float = 30.0
    env: dict[str, str] | None = None
    """Extra environment of the member processes (e.g. PYTHONPATH for a test program)."""
    extra_args: tuple[str, ...] = ()
    """More `serve` flags for every member (e.g. ``("--snapshot-entries", "50")``)."""
    pki: Path | None = None
    """Where the CA and the members' and client's certificates are (None: plain TCP)."""

    def client_tls(self) -> StoreTLS | None:
        """The client's mutual-TLS contexts (its certificate signed by the cluster CA)."""
        if self.pki is None:
            return None
        pki = self.pki
        return StoreTLS.from_files(
            pki / "ca.crt", pki / "store-client.crt", pki / "store-client.key", serving=False
        )

    @property
    def peers_flag(self) -> str:
        """The `--peers` value every member gets."""
        return ",".join(f"{m.name}=127.0.0.1:{m.peer_port}" for m in self.members)

    @property
    def client_addresses(self) -> dict[str, Address]:
        """Client address of every member, by name (in member order)."""
        return {m.name: m.client_address for m in self.members}

    def member(self, name: str) -> LocalRaftMember:
        for m in self.members:
            if m.name == name:
                return m
        raise KeyError(name)

    def member_seed(self, member: LocalRaftMember) -> int:
        """The rng seed of `member`'s current start: distinct per member and per restart."""
        return (self.seed << 24) | (self.members.index(member) << 16) | member.starts

    def command(self, member: LocalRaftMember) -> list[str]:
        """The `serve` command line of `member` (run as a module: no plugin loading)."""
        args = [
            sys.executable, "-m", "components.store.raft.serve",
            "--name", member.name,
            "--peers", self.peers_flag,
            "--client-port", str(member.client_port),
            "--data", str(member.data_dir),
            "--seed", str(self.member_seed(member)),
            "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        if not self.fsync:
            args.append("--no-fsync")
        if self.program != DEFAULT_PROGRAM:
            args += ["--program", self.program]
        if self.pki is not None:
            stem = self.pki / f"store-{member.name}"
            args += [
                "--ca",
                str(self.pki / "ca.crt"),
                "--cert",
                f"{stem}.crt",
                "--key",
                f"{stem}.key",
            ]
        return [*args, *self.extra_args]

    async def start(self, name: str) -> None:
        """Start `name` and wait for its ready line (LocalRaftError if it exits first)."""
        member = self.member(name)
        if member.running:
            raise LocalRaftError(f"member {name} is already running")
        offset = member.log_path.stat().st_size if member.log_path.exists() else 0
        member.starts += 1
        env = {**os.environ, **self.env} if self.env else None
        with member.log_path.open("ab") as log:  # the child keeps its own descriptor
            member.process = await trio.lowlevel.open_process(
                self.command(member), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env
            )
        with trio.move_on_after(self.startup_timeout):
            while True:
                if READY_MARK in _read_from(member.log_path, offset):
                    return
                if member.process.returncode is not None:
                    lines = _read_from(member.log_path, offset).strip().splitlines()
                    raise LocalRaftError(
                        f"member {name} exited with code {member.process.returncode}: "
                        f"{lines[-1] if lines else 'no output'} (log {member.log_path})"
                    )
                await trio.sleep(0.01)
        raise LocalRaftError(f"member {name} did not start within {self.startup_timeout:g} s")

    async def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to `name` (SIGKILL by default) and wait for it to exit."""
        member = self.member(name)
        if member.process is not None and member.process.returncode is None:
            member.process.send_signal(sig)
            await member.process.wait()

    async def restart(self, name: str) -> None:
        """SIGKILL `name` if it runs, then start it again on the same ports and data."""
        await self.kill(name)
        await self.start(name)

    async def stop_all(self) -> None:
        """SIGTERM every member, wait up to 2 s, then SIGKILL what is left."""
        procs = [m.process for m in self.members if m.running]
        for proc in procs:
            assert proc is not None
            proc.send_signal(signal.SIGTERM)
        with trio.move_on_after(2):
            for proc in procs:
                assert proc is not None
                await proc.wait()
        for proc in procs:
            assert proc is not None
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1 (bind port 0, then release)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@asynccontextmanager
async def open_local_raft_cluster(
    n_members: int = 3,
    *,
    fsync: bool = True,
    data_dir: str | Path | None = None,
    program: str = DEFAULT_PROGRAM,
    seed: int = 0,
    names: Sequence[str] | None = None,
    startup_timeout: float = 30.0,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
    tls: bool = True,
    ca_dir: str | Path | None = None,
) -> AsyncIterator[LocalRaft]:
    """Run `n_members` member processes for the block; stop them (and remove temp data) after.

    With `tls` (the default) the members speak mutual TLS with the CA in `ca_dir` (default
    ``<data>/pki``, created on first use).
    """
    if n_members < 1:
        raise ValueError(f"n_members must be at least 1, got {n_members}")
    names = list(names or [f"n{i + 1}" for i in range(n_members)])
    tmp = None
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="kubelab-raft-")
        root = Path(tmp)
    else:
        root = private_dir(Path(data_dir))
    pki = issue_store_certs(Path(ca_dir) if ca_dir else root / "pki", names) if tls else None
    ports = free_ports(2 * n_members)
    cluster = LocalRaft(
        members=tuple(
            LocalRaftMember(
                name=name,
                peer_port=ports[2 * i],
                client_port=ports[2 * i + 1],
                data_dir=root / name,
                log_path=root / f"{name}.log",
            )
            for i, name in enumerate(names)
        ),
        fsync=fsync,
        program=program,
        seed=seed,
        startup_timeout=startup_timeout,
        env=env,
        extra_args=tuple(extra_args),
        pki=pki,
    )
    try:
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                await _start_all(cluster)
                break
            except LocalRaftError as err:
                if attempt == PORT_ATTEMPTS or LISTEN_FAILED not in str(err):
                    raise
            with trio.CancelScope(shield=True):
                await cluster.stop_all()
            ports = free_ports(2 * n_members)
            for i, member in enumerate(cluster.members):
                member.peer_port, member.client_port = ports[2 * i], ports[2 * i + 1]
        yield cluster
    finally:
        with trio.CancelScope(shield=True):
            await cluster.stop_all()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def issue_store_certs(pki: Path, names: Sequence[str]) -> Path:
    """The CA in `pki` (made if missing), a certificate per member and one for the client."""
    ca = ensure_cluster_ca(pki)
    for name in names:
        write_pair(pki, f"store-{name}", issue(ca, name, ["kubelab:store-peers"], hosts=LOOPBACK))
    write_pair(pki, "store-client", issue(ca, "kube-apiserver", ["kubelab:store-clients"]))
    return pki


LOOPBACK = ("127.0.0.1", "localhost")
"""Where local members listen, named in their certificates."""


async def _start_all(cluster: LocalRaft) -> None:
    """Start every member at once (start-up is mostly imports); the first failure raises."""
    try:
        async with trio.open_nursery() as nursery:
            for member in cluster.members:
                nursery.start_soon(cluster.start, member.name)
    except* LocalRaftError as group:
        raise first_leaf(group) from None


def make_client(transport: ClientTransport) -> RaftClient:
    """A `RaftClient` over `transport` with a client id no earlier client used.

    The id names the client's sessions in the replicated session table, which outlives the
    process (``kubelab up`` keeps its data): reusing an id would make a new write look like
    the retry of an old one, so it comes from the OS's randomness, not a seed.
    """
    return RaftClient(transport, client_id=f"local-{os.getpid()}-{secrets.token_hex(6)}")


async def wait_serving(store: RaftClient, timeout: float) -> None:
    """Wait until the cluster answers a linearizable read (it has a leader)."""
    with trio.move_on_after(timeout):
        while True:
            try:
                await store.range(b"/kubelab-ready-probe")
                return
            except StoreUnavailableError:
                await trio.sleep(0.05)
    raise LocalRaftError(f"the local Raft cluster did not elect a leader within {timeout:g} s")


@asynccontextmanager
async def open_cluster_client(
    cluster: LocalRaft, *, timeout: float = 30.0
) -> AsyncIterator[RaftClient]:
    """A `RaftClient` over TCP to `cluster`, once the cluster serves."""
    async with (
        open_tcp_client_transport(
            cluster.client_addresses, seed=cluster.seed, tls=cluster.client_tls()
        ) as transport,
        make_client(transport) as client,
    ):
        await wait_serving(client, timeout)
        yield client


@asynccontextmanager
async def open_local_raft_store(
    n_members: int = 3,
    *,
    fsync: bool = True,
    data_dir: str | Path | None = None,
    ca_dir: str | Path | None = None,
) -> AsyncIterator[RaftClient]:
    """A `RaftClient` (a `kernel.interfaces.store.Store`) on a fresh local cluster (mutual TLS)."""
    async with (
        open_local_raft_cluster(
            n_members, fsync=fsync, data_dir=data_dir, ca_dir=ca_dir
        ) as cluster,
        open_cluster_client(cluster) as client,
    ):
        yield client


@asynccontextmanager
async def open_up_raft_store(
    state_dir: str | Path | None = None, members: int = 3, fsync: bool = True
) -> AsyncIterator[RaftClient]:
    """`kubelab up --store raft`: `members` local processes, data in ``<state-dir>/raft``.

    A supervisor restarts a member that dies, with backoff, and logs it (`supervisor`).
    """
    from components.store.raft.supervisor import supervise_members  # here: it imports this module

    root = Path(state_dir).expanduser() if state_dir is not None else None
    data_dir = private_dir(root) / "raft" if root is not None else None
    ca_dir = root / "pki" if root is not None else None  # the cluster CA, as the API server's
    try:
        async with (
            open_local_raft_cluster(
                members, fsync=fsync, data_dir=data_dir, ca_dir=ca_dir
            ) as cluster,
            open_cluster_client(cluster) as client,
            trio.open_nursery() as nursery,
        ):
            await nursery.start(supervise_members, cluster)
            try:
                yield client
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:  # the supervisor never raises: the group is the block's
        theirs = lone_exception(group, deep=False)
        if theirs is None:
            raise
        raise theirs from None


__all__ = [
    "LocalRaft",
    "LocalRaftError",
    "LocalRaftMember",
    "free_ports",
    "issue_store_certs",
    "open_cluster_client",
    "open_local_raft_cluster",
    "open_local_raft_store",
    "open_up_raft_store",
]
