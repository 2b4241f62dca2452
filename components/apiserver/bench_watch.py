"""`kubelab bench watch`: the shared watch cache's fan-out to kubelet-like watchers.

W watchers each select ``spec.nodeName=<node>`` on one hub (as W kubelets watch their pods);
P pod writes (per pod: create unbound, bind to a node, status updates on that node) are offered
to the hub as store events, and each watcher's sink counts what it is delivered (the HTTP
front end's path: no task per event). Indexed is the hub as served; the baseline, in the same
run, is the same hub with every subscriber unindexed (offered every event, as before the
index), timed on a sample of the events because it costs O(watchers) each. Per-event cost is
reported for several W to show it flat. Medians over repeats; wall-clock reads are fine here
(a benchmark, not simulation code).
"""

from __future__ import annotations

import json
import statistics
import time

import attrs
import trio
import typer

from components.apiserver.watch import ApiEvent, Decoded
from components.apiserver.watch_cache import Hub, Subscriber, index_key
from kernel.api.selectors import Selection, parse_field_selector
from kernel.interfaces.store import EventType, KeyValue, WatchEvent

WRITES_PER_POD = 5
"""create, bind, three status updates."""


def _pod(i: int, node: str, phase: str) -> bytes:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p{i}", "namespace": "default", "uid": f"u{i}"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": phase},
        }
    ).encode()


def pod_events(writes: int, nodes: int) -> list[WatchEvent]:
    """`writes` store events of pods spread round-robin over `nodes` nodes."""
    events: list[WatchEvent] = []
    rev = 1
    steps = [
        ("", "Pending"),
        ("n", "Pending"),
        ("n", "Pending"),
        ("n", "Running"),
        ("n", "Running"),
    ]
    for i in range(writes // WRITES_PER_POD + 1):
        key = b"/registry/pods/default/p%d" % i
        node = f"node-{i % nodes}"
        prev: KeyValue | None = None
        create = rev + 1
        for version, (where, phase) in enumerate(steps, start=1):
            if len(events) >= writes:
                return events
            rev += 1
            kv = KeyValue(key, _pod(i, node if where else "", phase), create, rev, version)
            events.append(WatchEvent(EventType.PUT, kv, prev))
            prev = kv
    return events


@attrs.define
class Run:
    """One timed pass: events offered, events delivered, wall and CPU seconds."""

    events: int
    delivered: int
    seconds: float
    cpu_seconds: float

    @property
    def per_event_us(self) -> float:
        """Microseconds of fan-out per store event."""
        return self.seconds / self.events * 1e6

    @property
    def delivered_per_s(self) -> float:
        """Watch events delivered to watchers per second."""
        return self.delivered / self.seconds

    @property
    def delivered_per_cpu_s(self) -> float:
        """Watch events delivered per CPU second of this process (one core, whatever the load)."""
        return self.delivered / self.cpu_seconds


def fan_out(events: list[WatchEvent], watchers: int, *, indexed: bool) -> Run:
    """Offer `events` to a hub of `watchers` node watchers; count what the sinks get."""
    hub = Hub(b"/registry/pods/", b"/registry/pods0", 0, 0)
    delivered = [0]

    def sink(_: ApiEvent) -> bool:
        delivered[0] += 1
        return True

    for n in range(watchers):
        send, receive = trio.open_memory_channel[ApiEvent](1)
        selection = Selection(fields=parse_field_selector(f"spec.nodeName=node-{n}", "pods"))
        sub = Subscriber(send, receive, selection, after=0, seen=0)  # type: ignore[arg-type]
        sub.key = index_key(selection) if indexed else None
        sub.attach(sink)
        hub.add(sub)
    started, cpu = time.perf_counter(), time.process_time()
    for event in events:
        hub.offer(Decoded(event))
    return Run(
        len(events),
        delivered[0],
        time.perf_counter() - started,
        max(time.process_time() - cpu, 1e-9),
    )


def run_bench(*, watchers: int, writes: int, sizes: list[int], sample: int, repeats: int) -> str:
    """The report: indexed vs unindexed at `watchers`, and indexed cost over `sizes`."""
    events = pod_events(writes, watchers)
    head = events[:sample]
    indexed: list[Run] = []
    baseline: list[Run] = []
    for r in range(repeats):
        typer.echo(f"repeat {r + 1}/{repeats}: {watchers} watchers", err=True)
        indexed.append(fan_out(events, watchers, indexed=True))
        baseline.append(fan_out(head, watchers, indexed=False))
        same = fan_out(head, watchers, indexed=True)
        if same.delivered != baseline[-1].delivered:
            raise RuntimeError(
                f"indexed delivered {same.delivered} events, unindexed {baseline[-1].delivered}"
            )
    ix_us = statistics.median(r.per_event_us for r in indexed)
    base_us = statistics.median(r.per_event_us for r in baseline)
    lines = [
        f"watch fan-out, {watchers} watchers (spec.nodeName=<node>), {len(events)} pod writes, "
        f"median of {repeats}",
        f"  indexed:   {ix_us:8.2f} us/event ({1e6 / ix_us:8.0f} pod writes/s), "
        f"{statistics.median(r.delivered_per_s for r in indexed):10.0f} events delivered/s "
        f"({indexed[0].delivered} delivered; "
        f"{statistics.median(r.delivered_per_cpu_s for r in indexed):.0f} per CPU-s)",
        f"  unindexed: {base_us:8.2f} us/event ({1e6 / base_us:8.0f} pod writes/s), "
        f"{statistics.median(r.delivered_per_s for r in baseline):10.0f} events delivered/s "
        f"(first {len(head)} writes; "
        f"{statistics.median(r.delivered_per_cpu_s for r in baseline):.0f} per CPU-s)",
        f"  ratio unindexed/indexed per event: {base_us / ix_us:.1f}x",
        "  indexed per-event cost vs watchers (same writes, nodes = watchers):",
    ]
    for size in sizes:
        runs = [fan_out(pod_events(writes, size), size, indexed=True) for _ in range(repeats)]
        us = statistics.median(r.per_event_us for r in runs)
        lines.append(
            f"    {size:6d} watchers: {us:8.2f} us/event ({us / ix_us:.2f}x of {watchers})"
        )
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    """``--sizes`` as counts; a bad value is one line on stderr naming the option, exit 2."""
    try:
        counts = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        counts = []
    if not counts or any(c < 1 for c in counts):
        typer.echo(f"error: --sizes: want comma-separated counts >= 1, got {text!r}", err=True)
        raise typer.Exit(2)
    return counts


def register(bench_app: typer.Typer) -> None:
    """Add `kubelab bench watch`."""

    @bench_app.command("watch")
    def watch_cmd(
        watchers: int = typer.Option(5000, min=1, help="Node watchers (one per node)."),
        writes: int = typer.Option(100_000, min=1, help="Pod writes offered to the hub."),
        sizes: str = typer.Option("500,1000,5000", help="Watcher counts for the flatness table."),
        sample: int = typer.Option(1000, min=1, help="Writes the unindexed baseline is timed on."),
        repeats: int = typer.Option(3, min=1, help="Repeats; medians are reported."),
    ) -> None:
        """Indexed vs unindexed watch fan-out: us per event, events delivered per second."""
        counts = _sizes(sizes)
        typer.echo(
            run_bench(
                watchers=watchers, writes=writes, sizes=counts, sample=sample, repeats=repeats
            )
        )


__all__ = ["fan_out", "pod_events", "register", "run_bench"]
