"""`kubelab store serve`: one Raft store member as a process (TCP peers, a data directory).

    kubelab store serve --name n1 --peers n1=127.0.0.1:2380,n2=127.0.0.1:2381,n3=127.0.0.1:2382 \
        --client-port 2379 --data DIR

runs the member program (``components.store.raft.member:main``) on a `TcpHost` whose disk is
DIR. Bad flags, a taken port, an unwritable DIR or a WAL that cannot be recovered end the
process with one line naming the flag or the file and a non-zero exit. The first line on
stderr after start-up is ``kubelab store: <name> ready ...`` (launchers wait for it); it
records the rng seed. ``python -m components.store.raft.serve ...`` runs the same command
without loading every kubelab plugin (faster restarts for launchers).
"""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

import trio
import typer

from components.store.raft.real.disk import DirectoryDisk
from components.store.raft.real.host import Address, ListenError, TcpHost, stderr_log
from components.store.raft.real.tls import StoreTLS
from components.store.raft.values import ValueFormatError
from components.store.raft.wal import WalCorruptError
from kernel.cli.errors import UserError
from kernel.exception_groups import unwrap_lone

DEFAULT_PROGRAM = "components.store.raft.member:main"
"""The node program a member runs (``--program`` swaps it, for tests of the host itself)."""
LISTEN_FAILED = ": cannot listen on "
"""What the one-line error for a port that cannot be bound contains (launchers retry on it)."""
SNAPSHOT_ENTRIES = 10_000
"""Applied entries between snapshots in real mode. Each snapshot dumps the whole state and
stalls the member while it is written (about 0.5 s at 6,000 entries of 256-byte values on a
busy machine), so real mode takes them ten times less often than the member's default (etcd
3.4: every 100,000); the WAL grows by about 4 MB in between."""


def parse_peers(text: str) -> dict[str, Address]:
    """``n1=127.0.0.1:2380,n2=...`` as {name: (host, port)}; UserError naming --peers otherwise."""
    addresses: dict[str, Address] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, eq, where = part.partition("=")
        name = name.strip()
        host, colon, port_text = where.rpartition(":")
        if not (eq and colon and name and host) or not port_text.isdigit():
            raise UserError(f"--peers: {part!r} is not NAME=HOST:PORT (e.g. n1=127.0.0.1:2380)")
        port = int(port_text)
        if not 0 < port < 65536:
            raise UserError(f"--peers: port {port} of {name} is not in 1..65535")
        if name in addresses:
            raise UserError(f"--peers: {name} is listed twice")
        addresses[name] = (host, port)
    if not addresses:
        raise UserError("--peers: give every member as NAME=HOST:PORT,... (including --name)")
    return addresses


def check_data_dir(path: Path) -> None:
    """Create DIR if needed and prove it is writable (UserError naming --data otherwise)."""
    probe = path / ".kubelab-write-probe"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise UserError(f"--data {path}: not writable: {err.strerror or err}", 1) from None


def load_program(spec: str, snapshot_entries: int = SNAPSHOT_ENTRIES) -> Any:
    """The node program named `module:attribute` (UserError naming --program otherwise).

    The default program is built by ``make_member(snapshot_entries=...)``.
    """
    if spec == DEFAULT_PROGRAM:
        from components.store.raft.member import make_member

        try:
            return make_member(snapshot_entries=snapshot_entries)
        except ValueError as err:
            raise UserError(f"--snapshot-entries: {err}") from None
    module_name, _, attribute = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute or "main")
    except (ImportError, AttributeError) as err:
        raise UserError(f"--program: cannot load {spec!r}: {err}", 1) from None


async def _exit_with_parent(parent: int, scope: trio.CancelScope) -> None:
    """Stop the member once the process that started it is gone (no orphaned members).

    Polling ``getppid`` rather than ``PR_SET_PDEATHSIG``: the latter fires when the *thread*
    that spawned the process exits, and trio spawns processes from short-lived worker threads.
    """
    while os.getppid() == parent:
        await trio.sleep(0.5)
    stderr_log("kubelab store: parent process exited; stopping")
    scope.cancel()


async def run_member(
    host: TcpHost,
    program: Any,
    client_address: Address,
    *,
    fsync: bool,
    data: Path,
    parent: int | None = None,
) -> None:
    """Bind both ports, run `program(host)` until SIGTERM/SIGINT; say "ready" once it receives.

    Ready comes after the program has recovered its state (it waits for its first message),
    so a launcher that waits for it sees a corrupted data directory as a failed start.
    """
    peer_address = host.address
    try:
        await host.open_listeners(client_address)
    except ListenError as err:
        where = f"{err.address[0]}:{err.address[1]}"
        if err.which == "peers":
            flag, whose = "--peers", f"the peer address of {host.name}"
        else:
            flag, whose = "--client-port", f"--client-address {err.address[0]}"
        raise UserError(f"{flag}{LISTEN_FAILED}{where} ({whose}): {err.reason}", 1) from None
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            await nursery.start(host.serve)

            async def run_program() -> None:
                await program(host)
                nursery.cancel_scope.cancel()

            nursery.start_soon(run_program)
            if parent is not None:
                nursery.start_soon(_exit_with_parent, parent, nursery.cancel_scope)
            await host.receiving.wait()  # the program has recovered its state from --data
            stderr_log(
                f"kubelab store: {host.name} ready: peers {peer_address[0]}:{peer_address[1]}, "
                f"clients {client_address[0]}:{client_address[1]}, data {data}, "
                f"fsync {'on' if fsync else 'off'}, seed {host.seed}, pid {os.getpid()}"
            )
            async for _ in signals:
                nursery.cancel_scope.cancel()
                break


def load_tls(ca: Path | None, cert: Path | None, key: Path | None) -> StoreTLS | None:
    """Mutual TLS from ``--ca/--cert/--key`` (all three or none; UserError naming the flag)."""
    given = {"--ca": ca, "--cert": cert, "--key": key}
    if not any(given.values()):
        return None
    if ca is None or cert is None or key is None:
        missing = next(flag for flag, path in given.items() if path is None)
        raise UserError(f"{missing}: --ca, --cert and --key go together (mutual TLS)")
    for flag, path in given.items():
        if path is not None and not path.is_file():
            raise UserError(f"{flag} {path}: no such file", 1)
    try:
        return StoreTLS.from_files(ca, cert, key)
    except (OSError, ValueError) as err:
        raise UserError(f"--ca/--cert/--key: cannot load the TLS files: {err}", 1) from None


def _recovery_error(err: BaseException, data: Path) -> UserError | None:
    """A one-line error for a data directory the member cannot recover from, if `err` is one."""
    if isinstance(err, WalCorruptError):
        return UserError(f"--data {data}: {err}", 1)
    if isinstance(err, ValueFormatError):
        return UserError(f"--data {data}: unreadable member state: {err}", 1)
    return None


def serve(
    *,
    name: str,
    peers: str,
    client_port: int,
    data: Path,
    client_address: str = "127.0.0.1",
    fsync: bool = True,
    seed: int | None = None,
    program: str = DEFAULT_PROGRAM,
    parent_pid: int | None = None,
    snapshot_entries: int = SNAPSHOT_ENTRIES,
    tls_files: tuple[Path | None, Path | None, Path | None] = (None, None, None),
) -> None:
    """Validate the flags, then run one member in the foreground (UserError on bad input).

    With `parent_pid` (the launcher's pid) the member stops once that process is gone,
    including when it was gone before this process got as far as looking.
    """
    addresses = parse_peers(peers)
    if name not in addresses:
        raise UserError(f"--name: {name!r} is not in --peers ({', '.join(addresses)})")
    if not 0 <= client_port < 65536:
        raise UserError(f"--client-port: {client_port} is not in 0..65535")
    if parent_pid is not None and os.getppid() != parent_pid:
        stderr_log(f"kubelab store: parent process {parent_pid} exited before start-up; stopping")
        return
    parent = parent_pid
    check_data_dir(data)
    node_program = load_program(program, snapshot_entries)
    seed = secrets.randbits(32) if seed is None else seed
    tls = load_tls(*tls_files)
    disk = DirectoryDisk(data, fsync=fsync)
    host = TcpHost(name, addresses, disk, seed=seed, tls=tls)
    try:
        trio.run(
            lambda: run_member(
                host,
                node_program,
                (client_address, client_port),
                fsync=fsync,
                data=data,
                parent=parent,
            )
        )
    except Exception as err:
        leaf = unwrap_lone(err)
        if isinstance(leaf, UserError):
            raise leaf from None
        known = _recovery_error(leaf, data)
        if known is not None:
            raise known from None
        raise
    finally:
        disk.close()


def serve_command(
    *,
    name: str = typer.Option(..., "--name", help="This member's name (one of --peers)."),
    peers: str = typer.Option(
        ..., "--peers", help="Every member as NAME=HOST:PORT,... (peer addresses)."
    ),
    client_port: int = typer.Option(2379, "--client-port", help="Port clients connect to."),
    data: Path = typer.Option(..., "--data", help="Data directory (WAL and snapshots)."),
    client_address: str = typer.Option(
        "127.0.0.1", "--client-address", help="Address the client port listens on."
    ),
    no_fsync: bool = typer.Option(False, "--no-fsync", help="Skip fsync (tests only)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the member's rng."),
    snapshot_entries: int = typer.Option(
        SNAPSHOT_ENTRIES, "--snapshot-entries", help="Applied entries between snapshots."
    ),
    program: str = typer.Option(DEFAULT_PROGRAM, "--program", hidden=True),
    parent_pid: int | None = typer.Option(None, "--parent-pid", hidden=True),
    ca: Path | None = typer.Option(
        None, "--ca", help="Cluster CA certificate (PEM): peers and clients must be signed by it."
    ),
    cert: Path | None = typer.Option(None, "--cert", help="This member's certificate (PEM)."),
    key: Path | None = typer.Option(None, "--key", help="This member's private key (PEM)."),
) -> None:
    """Run one Raft store member over TCP with its WAL and snapshots in --data.

    With --ca/--cert/--key every peer and client connection is mutual TLS.
    """
    serve(
        name=name,
        peers=peers,
        client_port=client_port,
        data=data,
        client_address=client_address,
        fsync=not no_fsync,
        seed=seed,
        program=program,
        parent_pid=parent_pid,
        snapshot_entries=snapshot_entries,
        tls_files=(ca, cert, key),
    )


def register(app: typer.Typer) -> None:
    """Add `kubelab store serve` to the root app."""
    store_app = typer.Typer(name="store", help="The Raft store's members.", no_args_is_help=True)
    store_app.command("serve")(serve_command)
    app.add_typer(store_app, name="store")


def main(argv: list[str] | None = None) -> int:
    """`python -m components.store.raft.serve ARGS`: the serve command alone, same errors."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(serve_command)
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="kubelab store serve", standalone_mode=False)
    except UserError as err:
        print(f"kubelab: {err.message}", file=sys.stderr)
        return err.exit_code
    except typer.Exit as ex:
        return int(getattr(ex, "exit_code", 0) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # click usage errors
        fmt = getattr(err, "format_message", None)
        if fmt is None:
            raise
        print(f"kubelab: {fmt()}", file=sys.stderr)
        return int(getattr(err, "exit_code", 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
