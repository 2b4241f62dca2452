"""`kubelab bench apiserver`: HTTP throughput and latency per verb, and watch fan-out latency.

The server (memory store, HTTP on 127.0.0.1) runs in its own process, and so does the load
(`loadgen` worker processes with lean keep-alive sockets), so the figures are the server's:
N concurrent clients create, get and list pods, then W watchers of one resource receive E
updates each. The server's CPU use during each phase is read from /proc and reported as a
share of one core (near 1.0: the server is the bottleneck). The baseline, in the same run, is
the same verbs through the in-process client (no HTTP): the ratio says what the HTTP front end
costs. Medians over repeats. Wall-clock reads are fine here: this is a benchmark, not
simulation code.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import trio
import typer

from components.apiserver.listing import ListOptions
from components.apiserver.loadgen import CONFIGMAPS_PATH, Connection
from kernel.api.requests import Target
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


def serve_forever(tls: bool = False) -> None:
    """Run a server over the memory store on a free port; print its URL; serve until killed.

    With `tls` it serves HTTPS with a throwaway cluster CA (as `kubelab up` does).
    """
    import random
    import tempfile

    from components.apiserver.server import APIServer
    from components.apiserver.serving import open_http_server
    from components.apiserver.up_tls import prepare_tls
    from kernel.registry import load

    async def main() -> None:
        async with load("store", "memory")() as store:  # type: ignore[operator]
            api = APIServer(store, rng=random.Random(1))
            await api.start()
            with tempfile.TemporaryDirectory() as state:
                context = prepare_tls(Path(state), "127.0.0.1").context if tls else None
                async with open_http_server(api, ssl_context=context) as url:
                    print(url, flush=True)
                    await trio.sleep_forever()

    trio.run(main)


async def in_process_round(ops: int, clients: int) -> dict[str, tuple[float, list[float]]]:
    """The baseline: the same verbs on an in-process server (no HTTP)."""
    import random

    from components.apiserver.inprocess_client import InProcessClient
    from components.apiserver.server import APIServer
    from kernel.registry import load

    async with load("store", "memory")() as store:  # type: ignore[operator]
        api = APIServer(store, rng=random.Random(1))
        await api.start()
        return await verbs_round(InProcessClient(api).raw, ops, clients, "b")


Phase = dict[str, Any]
"""One phase's result: ``rate`` (req/s), ``latencies`` (s), ``errors``, ``cpu`` (server share)."""


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Workers:
    """Load worker processes (`loadgen.worker_main`), driven one JSON line at a time."""

    def __init__(self, url: str, count: int) -> None:
        code = "from components.apiserver.loadgen import worker_main; worker_main()"
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-c", code, url],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]

    def tell(self, lines: list[str]) -> None:
        """One line to each worker."""
        for proc, line in zip(self.procs, lines, strict=True):
            stdin: IO[str] = proc.stdin  # type: ignore[assignment]
            stdin.write(line + "\n")
            stdin.flush()

    def hear(self) -> list[Any]:
        """One JSON line from each worker."""
        out = []
        for proc in self.procs:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                raise RuntimeError("a load worker exited early (see its error output)")
            out.append(json.loads(line))
        return out

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def close(self) -> None:
        for proc in self.procs:
            if proc.stdin:
                proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def http_verb(
    workers: Workers, *, server_pid: int, verb: str, count: int, clients: int, prefix: str
) -> Phase:
    """`count` requests of `verb` from `clients` connections spread over the workers."""
    n = len(workers.procs)
    jobs = [
        json.dumps(
            {
                "job": "verb",
                "verb": verb,
                "indices": list(range(k, count, n)),
                "clients": max(1, clients // n + (k < clients % n)),
                "prefix": prefix,
            }
        )
        for k in range(n)
    ]
    workers.tell(jobs)
    workers.hear()
    cpu0, load0, t0 = cpu_seconds(server_pid), workers.cpu(), time.monotonic()
    workers.tell(["go"] * n)
    results = workers.hear()
    wall = time.monotonic() - t0
    elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    return {
        "rate": count / elapsed,
        "latencies": [x for r in results for x in r["latencies"]],
        "errors": sum(r["errors"] for r in results),
        "cpu": (cpu_seconds(server_pid) - cpu0) / wall,
        "load_cpu": (workers.cpu() - load0) / wall,
    }


def http_round(
    url: str, server_pid: int, *, ops: int, clients: int, load_workers: int, tag: str
) -> dict[str, Phase]:
    """Creates, then gets of what was created, then lists (limit 50), over HTTP."""
    workers = Workers(url, load_workers)
    try:
        return {
            verb: http_verb(
                workers,
                server_pid=server_pid,
                verb=verb,
                count=count,
                clients=clients,
                prefix=f"{tag}-",
            )
            for verb, count in (("create", ops), ("get", ops), ("list", max(1, ops // 10)))
        }
    finally:
        workers.close()


def _create_configmap(url: str, name: str) -> str:
    conn = Connection.open(url)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {}}
    try:
        code, data = conn.request("POST", CONFIGMAPS_PATH, json.dumps(body).encode())
    finally:
        conn.close()
    if code != 201:
        raise RuntimeError(f"creating the watched ConfigMap answered {code}: {data[:200]!r}")
    return str(json.loads(data)["metadata"]["resourceVersion"])


def _send_updates(url: str, name: str, events: int) -> None:
    """`events` merge patches 100 ms apart, each carrying its send time (monotonic clock)."""
    conn = Connection.open(url)
    try:
        for i in range(1, events + 1):
            patch = {"data": {"n": str(i), "t": repr(time.monotonic())}}
            code, data = conn.request(
                "PATCH",
                f"{CONFIGMAPS_PATH}/{name}",
                json.dumps(patch).encode(),
                "application/merge-patch+json",
            )
            if code != 200:
                raise RuntimeError(f"a watched update answered {code}: {data[:200]!r}")
            time.sleep(0.1)
    finally:
        conn.close()


def http_watch(
    url: str, server_pid: int, watchers: int, events: int, load_workers: int
) -> tuple[list[float], int, float]:
    """`watchers` watches of one ConfigMap, `events` updates: (delays, missing, server CPU)."""
    name = f"w{time.monotonic_ns()}"
    rv = _create_configmap(url, name)
    workers = Workers(url, load_workers)
    n = len(workers.procs)
    try:
        workers.tell(
            [
                json.dumps(
                    {
                        "job": "watch",
                        "watchers": watchers // n + (k < watchers % n),
                        "name": name,
                        "rv": rv,
                        "events": events,
                        "timeout": 60 + events,
                    }
                )
                for k in range(n)
            ]
        )
        workers.hear()
        time.sleep(0.5)
        cpu0, t0 = cpu_seconds(server_pid), time.monotonic()
        _send_updates(url, name, events)
        results = workers.hear()
        cpu = (cpu_seconds(server_pid) - cpu0) / (time.monotonic() - t0)
    finally:
        workers.close()
    return (
        [x for r in results for x in r["latencies"]],
        sum(r["missing"] for r in results),
        cpu,
    )


def register(bench_app: typer.Typer) -> None:
    """Add `kubelab bench apiserver` (and `kubelab bench soak`, its memory-over-time sibling)."""
    from components.apiserver import soak

    soak.register(bench_app)

    @bench_app.command("apiserver")
    def apiserver_cmd(  # noqa: PLR0917 - typer options
        clients: int = typer.Option(32, min=1, help="Concurrent connections for the verbs."),
        ops: int = typer.Option(2000, min=1, help="Creates (and gets) per repeat; lists: ops/10."),
        watchers: int = typer.Option(1000, min=1, help="Concurrent watchers of one resource."),
        events: int = typer.Option(10, min=1, help="Updates each watcher must receive."),
        repeats: int = typer.Option(3, min=1, help="Repeats; medians are reported."),
        load_workers: int = typer.Option(
            1, min=1, help="Load generator processes (beside the server's own process)."
        ),
        tls: bool = typer.Option(
            False,
            "--tls",
            help="Also run every repeat over HTTPS and report the TLS cost next to plain HTTP.",
        ),
    ) -> None:
        """HTTP creates/gets/lists per second, p50/p99, watch delivery; in-process baseline."""
        results = run_bench(
            clients=clients,
            ops=ops,
            watchers=watchers,
            events=events,
            repeats=repeats,
            load_workers=load_workers,
            tls=tls,
        )
        typer.echo(results)


def run_bench(
    *,
    clients: int,
    ops: int,
    watchers: int,
    events: int,
    repeats: int,
    load_workers: int = 1,
    tls: bool = False,
) -> str:
    """Run every repeat and return the report text (with `tls`: HTTPS beside plain HTTP)."""
    http: list[dict[str, Phase]] = []
    https: list[dict[str, Phase]] = []
    base: list[dict[str, tuple[float, list[float]]]] = []
    plain_watch: tuple[list[float], list[int], list[float]] = ([], [], [])
    tls_watch: tuple[list[float], list[int], list[float]] = ([], [], [])
    for r in range(repeats):
        for secure in (False, True) if tls else (False,):
            phases, (lat, miss, cpu) = server_round(
                r, repeats, secure, ops=ops, clients=clients, watchers=watchers,
                events=events, load_workers=load_workers,
            )  # fmt: skip
            (https if secure else http).append(phases)
            into = tls_watch if secure else plain_watch
            into[0].extend(lat)
            into[1].append(miss)
            into[2].append(cpu)
        typer.echo(f"repeat {r + 1}/{repeats}: in-process baseline", err=True)
        base.append(trio.run(in_process_round, ops, clients))
    text = report(
        http,
        base,
        (plain_watch[0], sum(plain_watch[1]), plain_watch[2]),
        clients=clients,
        watchers=watchers,
        events=events,
        repeats=repeats,
        load_workers=load_workers,
    )
    if tls:
        text += "\n" + tls_report(https, http, (tls_watch[0], sum(tls_watch[1]), plain_watch[0]))
    return text


def server_round(
    r: int,
    repeats: int,
    tls: bool,
    *,
    ops: int,
    clients: int,
    watchers: int,
    events: int,
    load_workers: int,
) -> tuple[dict[str, Phase], tuple[list[float], int, float]]:
    """One repeat against a fresh server process (HTTPS with `tls`): verbs, then watches."""
    code = f"from components.apiserver.bench import serve_forever; serve_forever({tls})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not url:
            raise RuntimeError("the benchmark server did not start")
        typer.echo(f"repeat {r + 1}/{repeats}: verbs against {url}", err=True)
        tag = f"{'s' if tls else 'h'}{r}"
        phases = http_round(
            url, proc.pid, ops=ops, clients=clients, load_workers=load_workers, tag=tag
        )
        typer.echo(f"repeat {r + 1}/{repeats}: {watchers} watchers x {events} events", err=True)
        return phases, http_watch(url, proc.pid, watchers, events, load_workers)
    finally:
        proc.kill()
        proc.wait()


def tls_report(
    https: list[dict[str, Phase]],
    http: list[dict[str, Phase]],
    watch: tuple[list[float], int, list[float]],
) -> str:
    """HTTPS next to plain HTTP from the same run: medians per verb and their ratio."""
    tls_lat, missing, plain_lat = watch
    lines = [
        "TLS (HTTPS, ECDSA P-256, TLS 1.3, keep-alive) vs plain HTTP, same run:",
        f"{'verb':<8}{'https req/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'http req/s':>12}"
        f"{'https/http':>12}",
    ]
    for verb in ("create", "get", "list"):
        rate = statistics.median(h[verb]["rate"] for h in https)
        p50 = statistics.median(percentile(h[verb]["latencies"], 0.5) for h in https) * 1000
        p99 = statistics.median(percentile(h[verb]["latencies"], 0.99) for h in https) * 1000
        plain = statistics.median(h[verb]["rate"] for h in http)
        lines.append(
            f"{verb:<8}{rate:>12.0f}{p50:>9.1f}{p99:>9.1f}{plain:>12.0f}{rate / plain:>12.2f}"
        )
    lines.append(
        f"watch delivery over TLS: p50 {percentile(tls_lat, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(tls_lat, 0.99) * 1000:.1f} ms (plain: "
        f"p99 {percentile(plain_lat, 0.99) * 1000:.1f} ms), missing {missing}"
    )
    return "\n".join(lines)


def report(
    http: list[dict[str, Phase]],
    base: list[Any],
    watch: tuple[list[float], int, list[float]],
    *,
    clients: int,
    watchers: int,
    events: int,
    repeats: int,
    load_workers: int,
) -> str:
    """The table: per verb, HTTP req/s p50 p99, in-process req/s, ratio; then watch latency."""
    watch_lat, missing, watch_cpu = watch
    lines = [
        f"apiserver bench: {clients} clients, medians of {repeats} repeats (memory store, "
        f"HTTP on 127.0.0.1, server in its own process, load in {load_workers} other(s))",
        f"{'verb':<8}{'http req/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'in-proc req/s':>15}"
        f"{'http/in-proc':>14}",
    ]
    errors = 0
    cpus: list[str] = []
    for verb in ("create", "get", "list"):
        rate = statistics.median(h[verb]["rate"] for h in http)
        p50 = statistics.median(percentile(h[verb]["latencies"], 0.5) for h in http) * 1000
        p99 = statistics.median(percentile(h[verb]["latencies"], 0.99) for h in http) * 1000
        cpu = statistics.median(h[verb]["cpu"] for h in http)
        load = statistics.median(h[verb]["load_cpu"] for h in http)
        errors += sum(h[verb]["errors"] for h in http)
        brate = statistics.median(b[verb][0] for b in base)
        lines.append(
            f"{verb:<8}{rate:>12.0f}{p50:>9.1f}{p99:>9.1f}{brate:>15.0f}{rate / brate:>14.2f}"
        )
        cpus.append(f"{verb} {cpu:.2f} (load {load:.2f})")
    lines.append(
        f"watch delivery ({watchers} watchers x {events} events): "
        f"p50 {percentile(watch_lat, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(watch_lat, 0.99) * 1000:.1f} ms, "
        f"max {max(watch_lat, default=0) * 1000:.1f} ms, missing {missing}"
    )
    lines.append(
        f"server cpu, share of one core: {', '.join(cpus)}, "
        f"watch {statistics.median(watch_cpu):.2f}; failed requests: {errors}"
    )
    return "\n".join(lines)


__all__ = [
    "Workers",
    "cpu_seconds",
    "http_round",
    "http_watch",
    "percentile",
    "register",
    "report",
    "run_bench",
    "serve_forever",
]
