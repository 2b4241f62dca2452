"""`kubelab bench store`: 256-byte puts, then gets, through the Store interface, side by side.

The same workload runs against (a) the memory store, (b) a real etcd cluster on loopback (3
members, default timing, fsync on) and (c) the Raft store as local processes with fsync, with
1 and 32 concurrent clients. Each client is a trio task issuing one request at a time, so
latency is call-to-answer. Repeats are interleaved across stores (less drift on a shared
machine); the table shows medians over repeats and each store's throughput relative to etcd.
A store that cannot be started here (no etcd binary, Raft multi-process mode not built) is
listed as "not available" with the reason instead of failing the run.
"""

from __future__ import annotations

import importlib
import json
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

import attrs
import numpy as np
import trio
import typer
from rich.console import Console
from rich.table import Table

from kernel.cli.errors import UserError
from kernel.exception_groups import unwrap_lone
from kernel.interfaces.store import Store, prefix_end

BASELINE = "etcd"
"""Ratios are taken against this target's median throughput."""

RAFT_LAUNCHER = "components.store.raft.local:open_local_raft_store"
"""Where the Raft store's local multi-process launcher is looked up: an async context manager
`open_local_raft_store(n_members, *, fsync=True)` yielding a Store on that cluster."""

Op = Callable[[int, int], Awaitable[object]]


@attrs.frozen
class PhaseRun:
    """One timed phase (all puts, or all gets) at one client count: a single repeat."""

    phase: str
    """`put` or `get`."""
    clients: int
    ops: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def ops_per_second(self) -> float:
        """Completed requests per second of the phase's elapsed time."""
        return self.ops / self.seconds


async def timed_phase(phase: str, clients: int, per_client: int, op: Op) -> PhaseRun:
    """Run `op(client, i)` for i < per_client in `clients` concurrent tasks; time each call."""
    latencies = np.zeros(clients * per_client)

    async def client(c: int) -> None:
        for i in range(per_client):
            started = trio.current_time()
            await op(c, i)
            latencies[c * per_client + i] = trio.current_time() - started

    started = trio.current_time()
    async with trio.open_nursery() as nursery:
        for c in range(clients):
            nursery.start_soon(client, c)
    elapsed = trio.current_time() - started
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    return PhaseRun(phase, clients, len(latencies), elapsed, float(p50), float(p99))


async def put_then_get(
    store: Store,
    *,
    clients: int,
    ops: int,
    value_size: int = 256,
    prefix: bytes = b"/kubelab-bench/",
    warmup: int = 50,
) -> tuple[PhaseRun, PhaseRun]:
    """Put `ops` distinct keys with `value_size`-byte values, then get each one back.

    Keys under `prefix` are deleted before and after; a get that misses its key fails the run
    (a benchmark that loses writes measures nothing).
    """
    value = bytes(value_size)
    per_client = max(1, ops // clients)
    await store.delete_range(prefix, prefix_end(prefix))
    for _ in range(warmup):
        await store.put(prefix + b"warmup", value)
        await store.range(prefix + b"warmup")

    def key(c: int, i: int) -> bytes:
        return prefix + b"%03d/%06d" % (c, i)

    async def put(c: int, i: int) -> None:
        await store.put(key(c, i), value)

    async def get(c: int, i: int) -> None:
        if (await store.range(key(c, i))).count != 1:
            raise RuntimeError(f"benchmark key {key(c, i)!r} missing after its put")

    puts = await timed_phase("put", clients, per_client, put)
    gets = await timed_phase("get", clients, per_client, get)
    await store.delete_range(prefix, prefix_end(prefix))
    return puts, gets


# ---------------------------------------------------------------------------------- targets

StoreOpener = Callable[[], AbstractAsyncContextManager[Store]]


@attrs.frozen
class Target:
    """A store to benchmark: how to open it, or why it cannot be opened here."""

    name: str
    description: str
    open: StoreOpener | None
    unavailable: str = ""


def memory_target() -> Target:
    """The in-process memory store: the floor (no network, no disk)."""
    from components.store.memory import open_memory_store

    return Target("memory", "in-process memory store", open_memory_store)


def etcd_target(members: int, endpoints: Sequence[str] = ()) -> Target:
    """A real etcd: started locally (`members` processes, fsync on) or at given `endpoints`."""
    from components.store.etcd import find_etcd_binary, open_etcd_store, open_local_etcd

    if endpoints:

        def open_existing() -> AbstractAsyncContextManager[Store]:
            return open_etcd_store(list(endpoints))

        return Target("etcd", f"etcd at {','.join(endpoints)}", open_existing)
    if find_etcd_binary() is None:
        return Target(
            "etcd", f"etcd x{members}", None, "etcd binary not found (apt-get install etcd-server)"
        )

    @asynccontextmanager
    async def open_local() -> AsyncIterator[Store]:
        async with (
            open_local_etcd(members, fast=False) as etcd,
            open_etcd_store(etcd.endpoints) as store,
        ):
            yield store

    return Target("etcd", f"etcd {_etcd_version()} x{members} on loopback", open_local)


def _etcd_version() -> str:
    import subprocess

    from components.store.etcd import find_etcd_binary

    binary = find_etcd_binary()
    try:
        out = subprocess.run(
            [binary or "etcd", "--version"], capture_output=True, text=True, check=False
        )
    except OSError:
        return "?"
    first = out.stdout.splitlines()[0] if out.stdout else ""
    return first.split()[-1] if first else "?"


def raft_target(members: int) -> Target:
    """The Raft store as `members` local processes with fsync, when its launcher exists."""
    module_name, _, attribute = RAFT_LAUNCHER.partition(":")
    try:
        launcher = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return Target(
            "raft", f"raft x{members}", None, f"multi-process mode not built ({RAFT_LAUNCHER})"
        )

    def open_raft() -> AbstractAsyncContextManager[Store]:
        return launcher(members, fsync=True)

    return Target("raft", f"raft x{members} processes, fsync", open_raft)


# ---------------------------------------------------------------------------------- runs


@attrs.frozen
class Row:
    """Medians over repeats for one target, client count and phase."""

    target: str
    clients: int
    phase: str
    repeats: int
    ops_per_second: float
    p50_ms: float
    p99_ms: float
    vs_baseline: float | None
    """Throughput divided by the baseline's (etcd) at the same clients and phase."""


@attrs.frozen
class StoreBenchReport:
    """Everything one `kubelab bench store` run measured."""

    targets: tuple[Target, ...]
    rows: tuple[Row, ...]
    clients_rows: tuple[Row, ...] = ()
    """Raw gateway puts per HTTP client library (`--compare-clients`), baseline `kubelab`."""

    def to_json(self) -> dict[str, object]:
        """A JSON-ready summary (targets with availability, and every row)."""
        return {
            "targets": [
                {"name": t.name, "description": t.description, "unavailable": t.unavailable}
                for t in self.targets
            ],
            "rows": [attrs.asdict(r) for r in self.rows],
            "client_libraries": [attrs.asdict(r) for r in self.clients_rows],
        }


def summarize(runs: dict[tuple[str, int, str], list[PhaseRun]], baseline: str) -> list[Row]:
    """Medians per (target, clients, phase) and throughput ratios to `baseline`."""
    medians = {
        k: (
            statistics.median(r.ops_per_second for r in v),
            statistics.median(r.p50_ms for r in v),
            statistics.median(r.p99_ms for r in v),
        )
        for k, v in runs.items()
    }
    rows = []
    for (target, clients, phase), (ops_s, p50, p99) in medians.items():
        base = medians.get((baseline, clients, phase))
        ratio = ops_s / base[0] if base else None
        rows.append(
            Row(target, clients, phase, len(runs[target, clients, phase]), ops_s, p50, p99, ratio)
        )
    return rows


Progress = Callable[[str], None]


async def run_store_bench(
    targets: Sequence[Target],
    *,
    clients: Sequence[int] = (1, 32),
    ops: int = 2000,
    repeats: int = 3,
    value_size: int = 256,
    progress: Progress = lambda _: None,
) -> list[Row]:
    """Open every available target at once and run the workload, repeats interleaved."""
    available = [t for t in targets if t.open is not None]
    runs: dict[tuple[str, int, str], list[PhaseRun]] = {}
    async with AsyncExitStack() as stack:
        stores = {}
        for target in available:
            progress(f"starting {target.description}")
            assert target.open is not None
            stores[target.name] = await stack.enter_async_context(target.open())
        step, total = 0, repeats * len(clients) * len(available)
        for repeat in range(repeats):
            for count in clients:
                for target in available:
                    step += 1
                    put, get = await put_then_get(
                        stores[target.name], clients=count, ops=ops, value_size=value_size
                    )
                    for run in (put, get):
                        runs.setdefault((target.name, count, run.phase), []).append(run)
                    progress(
                        f"[{step}/{total}] {target.name} clients={count} repeat "
                        f"{repeat + 1}/{repeats}: put {put.ops_per_second:,.0f}/s, "
                        f"get {get.ops_per_second:,.0f}/s"
                    )
    return summarize(runs, BASELINE)


async def run_client_comparison(
    url: str,
    *,
    clients: Sequence[int],
    ops: int,
    repeats: int,
    value_size: int = 256,
    progress: Progress = lambda _: None,
) -> list[Row]:
    """Raw gateway puts at `url` through each HTTP client library, repeats interleaved."""
    from components.store.etcd.client_bench import CLIENT_LIBRARIES, open_gateway_putter

    runs: dict[tuple[str, int, str], list[PhaseRun]] = {}
    async with AsyncExitStack() as stack:
        putters = {
            lib: await stack.enter_async_context(
                open_gateway_putter(url, lib, value_size=value_size)
            )
            for lib in CLIENT_LIBRARIES
        }
        for repeat in range(repeats):
            for count in clients:
                for lib, put in putters.items():
                    run = await timed_phase("put", count, max(1, ops // count), put)
                    runs.setdefault((lib, count, "put"), []).append(run)
                    progress(
                        f"client {lib} clients={count} repeat {repeat + 1}/{repeats}: "
                        f"{run.ops_per_second:,.0f} puts/s"
                    )
    return summarize(runs, CLIENT_LIBRARIES[0])


# ---------------------------------------------------------------------------------- command


def _table(
    title: str,
    rows: Sequence[Row],
    baseline: str,
    order: Sequence[str],
    missing: Sequence[str] = (),
) -> Table:
    """Rows grouped by phase and client count, stores in `order`; `missing` ones say so."""
    table = Table(title=title)
    for column in ("store", "clients", "phase", "ops/s", "p50 ms", "p99 ms", f"vs {baseline}"):
        table.add_column(column, justify="left" if column in ("store", "phase") else "right")
    groups = sorted({(r.phase != "put", r.clients) for r in rows})
    for not_put, clients in groups:
        phase = "get" if not_put else "put"
        group = [r for r in rows if (r.phase, r.clients) == (phase, clients)]
        for r in sorted(group, key=lambda r: order.index(r.target)):
            ratio = "-" if r.vs_baseline is None else f"{r.vs_baseline:.2f}x"
            table.add_row(
                r.target, str(clients), phase, f"{r.ops_per_second:,.0f}",
                f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", ratio,
            )  # fmt: skip
        for name in missing:
            table.add_row(name, str(clients), phase, "not available", "-", "-", "-")
        table.add_section()
    return table


def parse_counts(text: str) -> list[int]:
    """Parse `--clients 1,32` into positive ints (UserError naming the option otherwise)."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or any(c < 1 for c in counts):
        raise UserError(f"--clients: give comma-separated positive integers, got {text!r}")
    return counts


def _targets(names: str, members: int, endpoints: Sequence[str]) -> list[Target]:
    makers: dict[str, Callable[[], Target]] = {
        "memory": memory_target,
        "etcd": lambda: etcd_target(members, endpoints),
        "raft": lambda: raft_target(members),
    }
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in makers]
    if unknown or not chosen:
        raise UserError(f"--stores: choose from {','.join(makers)}, got {names!r}")
    return [makers[n]() for n in chosen]


def store_command(
    *,
    clients: str = typer.Option("1,32", help="Comma-separated concurrent client counts."),
    ops: int = typer.Option(2000, min=1, help="Puts (and then gets) per store, count, repeat."),
    repeats: int = typer.Option(3, min=1, help="Repeats; the table shows medians."),
    members: int = typer.Option(3, min=1, help="Members of the local etcd and Raft clusters."),
    value_size: int = typer.Option(256, min=0, help="Bytes per value."),
    stores: str = typer.Option("memory,etcd,raft", help="Which stores to run."),
    etcd_endpoints: str = typer.Option(
        "", help="Bench an existing etcd at URL,... instead of starting one."
    ),
    compare_clients: bool = typer.Option(
        False, help="Also time raw etcd puts per HTTP client: kubelab's pool, h11, httpx."
    ),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the results here."),
) -> None:
    """Puts then gets through the Store interface: memory vs etcd vs Raft, medians and ratios."""
    counts = parse_counts(clients)
    endpoints = [e.strip() for e in etcd_endpoints.split(",") if e.strip()]
    targets = _targets(stores, members, endpoints)
    console = Console()
    err = Console(stderr=True)

    async def run() -> StoreBenchReport:
        rows = await run_store_bench(
            targets, clients=counts, ops=ops, repeats=repeats, value_size=value_size,
            progress=lambda line: err.print(line, highlight=False),
        )  # fmt: skip
        client_rows: list[Row] = []
        if compare_clients:
            client_rows = await _compare_clients(
                endpoints, members, counts, ops=ops, repeats=repeats, err=err
            )
        return StoreBenchReport(tuple(targets), tuple(rows), tuple(client_rows))

    try:
        report = trio.run(run)
    except Exception as exc:
        error = _user_error(exc)
        if error is None:
            raise
        raise error from exc
    title = f"Store: {value_size}-byte puts then gets, medians of {repeats} repeat(s)"
    order = [t.name for t in targets]
    missing = [t.name for t in targets if t.open is None]
    console.print(_table(title, report.rows, BASELINE, order, missing))
    for target in targets:
        note = target.unavailable and f"not available: {target.unavailable}"
        console.print(f"{target.name}: {note or target.description}", highlight=False)
    if report.clients_rows:
        from components.store.etcd.client_bench import CLIENT_LIBRARIES

        title = "etcd gateway puts by HTTP client library (no Store logic)"
        console.print(_table(title, report.clients_rows, "kubelab", CLIENT_LIBRARIES))
    if json_path is not None:
        json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n")


def _user_error(exc: BaseException) -> UserError | None:
    """A one-line UserError for a store that cannot be reached or started (None otherwise)."""
    from components.store.etcd import LocalEtcdError
    from kernel.interfaces.store import InvalidRequestError, StoreUnavailableError

    exc = unwrap_lone(exc)
    if isinstance(exc, LocalEtcdError | StoreUnavailableError | InvalidRequestError | ValueError):
        return UserError(f"bench store: {str(exc).splitlines()[0]}")
    return None


async def _compare_clients(
    endpoints: Sequence[str], members: int, counts: list[int], *, ops: int, repeats: int,
    err: Console,
) -> list[Row]:  # fmt: skip
    from components.store.etcd import find_etcd_binary, open_local_etcd

    def say(line: str) -> None:
        err.print(line, highlight=False)

    if endpoints:
        return await run_client_comparison(
            endpoints[0], clients=counts, ops=ops, repeats=repeats, progress=say
        )
    if find_etcd_binary() is None:
        say("client comparison skipped: etcd binary not found")
        return []
    async with open_local_etcd(members, fast=False) as etcd:
        return await run_client_comparison(
            etcd.endpoints[0], clients=counts, ops=ops, repeats=repeats, progress=say
        )


def register(bench_app: typer.Typer) -> None:
    """Add `kubelab bench store`."""
    bench_app.command("store")(store_command)
