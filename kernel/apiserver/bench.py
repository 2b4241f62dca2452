"""`kubelab bench apiserver`: HTTP throughput and latency per verb, and watch fan-out latency.

The server (memory store, HTTP on 127.0.0.1) runs in its own process so the load generator
does not share its CPU; N concurrent clients create, get and list pods, then W watchers of
one resource receive E updates each. The baseline, in the same run, is the same verbs through
the in-process client (no HTTP): the ratio says what the HTTP front end costs. Medians over
repeats. Wall-clock reads are fine here: this is a benchmark, not simulation code.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

import trio
import typer

from kernel.apiserver.listing import ListOptions
from kernel.apiserver.requests import Target
from kernel.objects import resource_for_kind

PODS = resource_for_kind("Pod")
CONFIGMAPS = resource_for_kind("ConfigMap")


def pod(name: str) -> dict[str, Any]:
    """A small pod manifest."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"b": "1"}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_verb(
    raw: Any, verb: str, ops: int, clients: int, prefix: str
) -> tuple[float, list[float]]:
    """`ops` requests of one verb from `clients` concurrent tasks: (requests/s, latencies)."""
    latencies: list[float] = []
    counter = iter(range(ops))
    target = Target(PODS, "default")

    async def one(i: int) -> None:
        if verb == "create":
            await raw.create(target, pod(f"{prefix}{i}"))
        elif verb == "get":
            await raw.get(Target(PODS, "default", f"{prefix}{i % max(1, ops)}"))
        else:
            await raw.list(target, ListOptions(limit=50))

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(clients):
            nursery.start_soon(worker)
    return ops / (time.perf_counter() - start), latencies


async def verbs_round(
    raw: Any, ops: int, clients: int, tag: str
) -> dict[str, tuple[float, list[float]]]:
    """Creates, then gets of what was created, then lists (limit 50)."""
    out = {}
    out["create"] = await run_verb(raw, "create", ops, clients, f"{tag}-")
    out["get"] = await run_verb(raw, "get", ops, clients, f"{tag}-")
    out["list"] = await run_verb(raw, "list", max(1, ops // 10), clients, f"{tag}-")
    return out


async def watch_round(url: str, watchers: int, events: int) -> tuple[list[float], int]:
    """`watchers` HTTP watches of one ConfigMap; `events` updates: (latencies, missing)."""
    from kernel.client import open_http_client

    name = f"w{time.perf_counter_ns()}"
    latencies: list[float] = []
    received = 0
    sent: dict[str, float] = {}
    async with open_http_client(url, max_connections=watchers + 8) as client:
        created = await client.raw.create(
            Target(CONFIGMAPS, "default"),
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name},
                "data": {"n": "0"},
            },
        )
        rv = created["metadata"]["resourceVersion"]
        ready = trio.Semaphore(0)
        opts = ListOptions(field_selector=f"metadata.name={name}", resource_version=rv)

        async def watcher() -> None:
            nonlocal received
            async with client.raw.watch(Target(CONFIGMAPS, "default"), opts) as stream:
                ready.release()
                got = 0
                async for event in stream:
                    n = (event.get("object") or {}).get("data", {}).get("n")
                    if n in sent:
                        latencies.append(time.perf_counter() - sent[n])
                        got += 1
                        received += 1
                    if got >= events:
                        return

        with trio.move_on_after(60 + events):
            async with trio.open_nursery() as nursery:
                for _ in range(watchers):
                    nursery.start_soon(watcher)
                for _ in range(watchers):
                    await ready.acquire()
                await trio.sleep(0.5)
                for i in range(1, events + 1):
                    sent[str(i)] = time.perf_counter()
                    await client.raw.patch(
                        Target(CONFIGMAPS, "default", name),
                        "application/merge-patch+json",
                        {"data": {"n": str(i)}},
                    )
                    await trio.sleep(0.1)
    return latencies, watchers * events - received


def serve_forever() -> None:
    """Run a server over the memory store on a free port; print its URL; serve until killed."""
    import random

    from kernel.apiserver.server import APIServer
    from kernel.apiserver.serving import open_http_server
    from kernel.registry import load

    async def main() -> None:
        async with load("store", "memory")() as store:  # type: ignore[operator]
            api = APIServer(store, rng=random.Random(1))
            await api.start()
            async with open_http_server(api) as url:
                print(url, flush=True)
                await trio.sleep_forever()

    trio.run(main)


async def in_process_round(ops: int, clients: int) -> dict[str, tuple[float, list[float]]]:
    """The baseline: the same verbs on an in-process server (no HTTP)."""
    import random

    from kernel.apiserver.server import APIServer
    from kernel.client import InProcessClient
    from kernel.registry import load

    async with load("store", "memory")() as store:  # type: ignore[operator]
        api = APIServer(store, rng=random.Random(1))
        await api.start()
        return await verbs_round(InProcessClient(api).raw, ops, clients, "b")


def register(bench_app: typer.Typer) -> None:
    """Add `kubelab bench apiserver`."""

    @bench_app.command("apiserver")
    def apiserver_cmd(
        clients: int = typer.Option(32, help="Concurrent clients for creates, gets and lists."),
        ops: int = typer.Option(2000, help="Creates (and gets) per repeat; lists are ops/10."),
        watchers: int = typer.Option(1000, help="Concurrent watchers of one resource."),
        events: int = typer.Option(10, help="Updates each watcher must receive."),
        repeats: int = typer.Option(3, min=1, help="Repeats; medians are reported."),
    ) -> None:
        """HTTP creates/gets/lists per second, p50/p99, watch delivery; in-process baseline."""
        results = run_bench(
            clients=clients, ops=ops, watchers=watchers, events=events, repeats=repeats
        )
        typer.echo(results)


def run_bench(*, clients: int, ops: int, watchers: int, events: int, repeats: int) -> str:
    """Run every repeat and return the report text."""
    http: list[dict[str, tuple[float, list[float]]]] = []
    base: list[dict[str, tuple[float, list[float]]]] = []
    watch_lat: list[float] = []
    missing = 0
    for r in range(repeats):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from kernel.apiserver.bench import serve_forever; serve_forever()",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = (proc.stdout.readline() if proc.stdout else "").strip()
            if not url:
                raise RuntimeError("the benchmark server did not start")
            typer.echo(f"repeat {r + 1}/{repeats}: HTTP verbs against {url}", err=True)
            http.append(trio.run(_http_verbs, url, ops, clients, r))
            typer.echo(f"repeat {r + 1}/{repeats}: {watchers} watchers x {events} events", err=True)
            lat, miss = trio.run(watch_round, url, watchers, events)
            watch_lat += lat
            missing += miss
        finally:
            proc.kill()
            proc.wait()
        typer.echo(f"repeat {r + 1}/{repeats}: in-process baseline", err=True)
        base.append(trio.run(in_process_round, ops, clients))
    return report(
        http,
        base,
        watch_lat,
        missing,
        clients=clients,
        watchers=watchers,
        events=events,
        repeats=repeats,
    )


async def _http_verbs(
    url: str, ops: int, clients: int, r: int
) -> dict[str, tuple[float, list[float]]]:
    from kernel.client import open_http_client

    async with open_http_client(url, max_connections=clients) as client:
        return await verbs_round(client.raw, ops, clients, f"h{r}")


def report(
    http: list[Any],
    base: list[Any],
    watch_lat: list[float],
    missing: int,
    *,
    clients: int,
    watchers: int,
    events: int,
    repeats: int,
) -> str:
    """The table: per verb, HTTP req/s p50 p99, in-process req/s, ratio; then watch latency."""
    lines = [
        f"apiserver bench: {clients} clients, medians of {repeats} repeats (memory store, "
        "HTTP on 127.0.0.1, server in its own process)",
        f"{'verb':<8}{'http req/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'in-proc req/s':>15}"
        f"{'http/in-proc':>14}",
    ]
    for verb in ("create", "get", "list"):
        rate = statistics.median(h[verb][0] for h in http)
        p50 = statistics.median(percentile(h[verb][1], 0.5) for h in http) * 1000
        p99 = statistics.median(percentile(h[verb][1], 0.99) for h in http) * 1000
        brate = statistics.median(b[verb][0] for b in base)
        lines.append(
            f"{verb:<8}{rate:>12.0f}{p50:>9.1f}{p99:>9.1f}{brate:>15.0f}{rate / brate:>14.2f}"
        )
    lines.append(
        f"watch delivery ({watchers} watchers x {events} events): "
        f"p50 {percentile(watch_lat, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(watch_lat, 0.99) * 1000:.1f} ms, "
        f"max {max(watch_lat, default=0) * 1000:.1f} ms, missing {missing}"
    )
    return "\n".join(lines)


__all__ = ["percentile", "register", "report", "run_bench", "serve_forever"]
