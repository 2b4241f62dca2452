"""Store throughput and latency through the Store interface: 256-byte puts, then gets.

`bench_store(store, clients=32, ops=...)` works on any `Store` (memory, Raft, etcd), so
`kubelab bench store` can run the same workload side by side; `bench_local_etcd` starts a
local etcd cluster (3 members by default) and runs it there. Each client is a trio task
issuing one request at a time; latency is measured per request, from call to answer.

Run directly: ``python -m components.store.etcd.bench --members 3 --clients 1,32``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import attrs
import numpy as np
import trio

from components.store.etcd._store import open_etcd_store
from components.store.etcd.local import open_local_etcd
from kernel.interfaces.store import Store, prefix_end


@attrs.frozen
class StoreBenchResult:
    """One phase (puts or gets) at one client count."""

    phase: str
    """`put` or `get`."""
    clients: int
    ops: int
    seconds: float
    ops_per_second: float
    p50_ms: float
    p99_ms: float

    def line(self) -> str:
        """One human-readable line."""
        return (
            f"{self.phase:4} clients={self.clients:<3} ops={self.ops:<6} "
            f"{self.ops_per_second:8.0f} ops/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms"
        )


async def _phase(
    name: str, clients: int, per_client: int, op: Callable[[int, int], object]
) -> StoreBenchResult:
    latencies = np.zeros(clients * per_client)

    async def client(c: int) -> None:
        for i in range(per_client):
            started = trio.current_time()
            await op(c, i)  # type: ignore[misc]
            latencies[c * per_client + i] = trio.current_time() - started

    started = trio.current_time()
    async with trio.open_nursery() as nursery:
        for c in range(clients):
            nursery.start_soon(client, c)
    elapsed = trio.current_time() - started
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    return StoreBenchResult(
        phase=name,
        clients=clients,
        ops=len(latencies),
        seconds=elapsed,
        ops_per_second=len(latencies) / elapsed,
        p50_ms=float(p50),
        p99_ms=float(p99),
    )


async def bench_store(
    store: Store,
    *,
    clients: int,
    ops: int = 4000,
    value_size: int = 256,
    prefix: bytes = b"/kubelab-bench/",
    warmup: int = 100,
) -> tuple[StoreBenchResult, StoreBenchResult]:
    """Put `ops` distinct keys with `value_size`-byte values, then get each, from `clients` tasks.

    Returns the (put, get) results. Keys under `prefix` are deleted before and after.
    """
    if clients < 1 or ops < clients:
        raise ValueError(f"need clients >= 1 and ops >= clients, got {clients=} {ops=}")
    value = bytes(value_size)
    per_client = ops // clients
    await store.delete_range(prefix, prefix_end(prefix))

    def key(c: int, i: int) -> bytes:
        return prefix + b"%03d/%06d" % (c, i)

    for i in range(warmup):
        await store.put(prefix + b"warmup", value)
        await store.range(prefix + b"warmup")
        del i

    async def put(c: int, i: int) -> None:
        await store.put(key(c, i), value)

    async def get(c: int, i: int) -> None:
        result = await store.range(key(c, i))
        if result.count != 1:
            raise AssertionError(f"benchmark key {key(c, i)!r} missing after its put")

    puts = await _phase("put", clients, per_client, put)
    gets = await _phase("get", clients, per_client, get)
    await store.delete_range(prefix, prefix_end(prefix))
    return puts, gets


async def bench_local_etcd(
    *,
    members: int = 3,
    clients: Sequence[int] = (1, 32),
    ops: int = 4000,
    progress: Callable[[str], None] | None = None,
) -> list[StoreBenchResult]:
    """Start a local `members`-member etcd (normal timing, fsync on) and bench it per client count.

    The store talks to the first member; with more than one member, its writes are
    replicated to a majority before they are acknowledged, as in production.
    """
    results: list[StoreBenchResult] = []
    async with (
        open_local_etcd(members, fast=False) as etcd,
        open_etcd_store(etcd.endpoints) as store,
    ):
        for count in clients:
            for result in await bench_store(store, clients=count, ops=ops):
                results.append(result)
                if progress is not None:
                    progress(f"etcd x{members} {result.line()}")
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: print one line per phase and client count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--clients", default="1,32", help="comma-separated client counts")
    parser.add_argument("--ops", type=int, default=4000, help="puts (and gets) per client count")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.clients.split(",")]
    trio.run(
        lambda: bench_local_etcd(
            members=args.members, clients=counts, ops=args.ops, progress=print
        )
    )


if __name__ == "__main__":
    main()
