"""`kubelab bench soak`: write for N minutes and watch RSS; flat under compaction, growing without.

Two API server processes (memory store, in-process client: the churn is the server's own work)
run side by side for the same time with the same seeded churn: ConfigMaps of 1 KiB created,
updated and deleted over a fixed set of names, so live data stays bounded while history grows
with every write. One compacts the store every `--compaction-interval` seconds (kube-apiserver's
compactor, `compactor`), the other never (the baseline: the store before the compactor). Each
reports its RSS every `--sample` seconds; the command prints both side by side and renders an
SVG of RSS over time. Wall-clock reads are fine here: a benchmark, not simulation code.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import trio
import typer

from kernel.api.errors import StatusError
from kernel.api.requests import DeleteOptions, Target
from kernel.cli.errors import UserError
from kernel.objects import resource_for_kind

CONFIGMAPS = resource_for_kind("ConfigMap")
NAMES = 500
"""Distinct ConfigMap names the churn cycles through (bounds the live data)."""
VALUE_BYTES = 1024


def rss_bytes() -> int:
    """The calling process's resident set size, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _configmap(name: str, counter: int) -> dict[str, Any]:
    body = f"{counter:012d}".ljust(VALUE_BYTES, "x")
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"v": body},
    }


async def churn(seconds: float, interval: float, sample: float, seed: int) -> None:
    """The child: churn for `seconds`, printing one JSON sample line every `sample` seconds."""
    from components.apiserver.compactor import run_compactor
    from components.apiserver.inprocess_client import InProcessClient
    from components.apiserver.server import APIServer
    from kernel.registry import load

    rng = random.Random(seed)
    open_store: Any = load("store", "memory")  # the registry's: no import of the store's code
    async with open_store() as store, trio.open_nursery() as nursery:
        api = APIServer(store, rng=random.Random(seed))
        await api.start()
        await nursery.start(run_compactor, store, interval)
        raw = InProcessClient(api).raw
        live: set[str] = set()
        start = time.monotonic()
        next_sample, writes, errors = start, 0, 0
        while (now := time.monotonic()) - start < seconds:
            if now >= next_sample:
                stats = store.statistics()  # the memory store's sizes (MemoryStoreStatistics)
                line = {
                    "t": round(now - start, 2), "rss": rss_bytes(), "writes": writes,
                    "errors": errors, "live": stats.live_keys, "history": stats.history_entries,
                }  # fmt: skip
                print(json.dumps(line), flush=True)
                next_sample += sample
            name = f"cm{rng.randrange(NAMES)}"
            target = Target(CONFIGMAPS, "default", name)
            try:
                if name not in live:
                    await raw.create(Target(CONFIGMAPS, "default"), _configmap(name, writes))
                    live.add(name)
                elif rng.random() < 0.75:
                    await raw.update(target, _configmap(name, writes))
                else:
                    await raw.delete(target, DeleteOptions())
                    live.discard(name)
            except StatusError:
                errors += 1
            writes += 1
            await trio.sleep(0)
        nursery.cancel_scope.cancel()


def _spawn(seconds: float, interval: float, sample: float, seed: int) -> subprocess.Popen[str]:
    cmd = [
        sys.executable, "-m", "components.apiserver.soak", str(seconds), str(interval),
        str(sample), str(seed),
    ]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def _collect(proc: subprocess.Popen[str], into: list[dict[str, Any]]) -> None:
    assert proc.stdout is not None
    into.extend(json.loads(line) for line in proc.stdout)


def run_soak(
    minutes: float, interval: float, sample: float, seed: int, out: Path
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run both children for `minutes`, echoing progress; return the report and the samples."""
    seconds = minutes * 60
    runs: dict[str, list[dict[str, Any]]] = {"compacted": [], "never": []}
    procs = {
        "compacted": _spawn(seconds, interval, sample, seed),
        "never": _spawn(seconds, 0.0, sample, seed),
    }
    threads = [
        threading.Thread(target=_collect, args=(procs[k], runs[k]), daemon=True) for k in procs
    ]
    for thread in threads:
        thread.start()
    shown = 0
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        rows = min(len(runs["compacted"]), len(runs["never"]))
        for row in range(shown, rows):
            typer.echo(_row(runs["compacted"][row], runs["never"][row]), err=True)
        shown = rows
    for name, proc in procs.items():
        if proc.wait() != 0:
            raise UserError(f"the {name} soak process failed (exit {proc.returncode})")
    out.write_text(render_svg(runs["compacted"], runs["never"], interval))
    return _report(runs["compacted"], runs["never"], interval, out), *runs.values()


def _row(a: dict[str, Any], b: dict[str, Any]) -> str:
    return (
        f"t={a['t']:7.1f}s  compacted: {a['rss'] / 2**20:7.1f} MiB rss, {a['history']:7d} "
        f"versions, {a['writes']:8d} writes | never: {b['rss'] / 2**20:7.1f} MiB rss, "
        f"{b['history']:7d} versions, {b['writes']:8d} writes"
    )


def _report(a: list[dict[str, Any]], b: list[dict[str, Any]], interval: float, out: Path) -> str:
    def growth(samples: list[dict[str, Any]]) -> str:
        half = samples[len(samples) // 2]["rss"]
        last = samples[-1]["rss"]
        change = (last - half) / 2**20
        return f"{half / 2**20:.1f} -> {last / 2**20:.1f} MiB (second half {change:+.1f})"

    return "\n".join([
        f"soak: {a[-1]['t']:.0f} s, seeded churn over {NAMES} ConfigMaps of {VALUE_BYTES} B",
        f"  compacted every {interval:g} s: {a[-1]['writes']} writes, rss {growth(a)}, "
        f"{a[-1]['history']} versions kept",
        f"  never compacted:        {b[-1]['writes']} writes, rss {growth(b)}, "
        f"{b[-1]['history']} versions kept",
        f"  picture: {out}",
    ])  # fmt: skip


def render_svg(a: list[dict[str, Any]], b: list[dict[str, Any]], interval: float) -> str:
    """A self-contained SVG: RSS (MiB) over time (s) for both runs."""
    width, height, pad = 900, 420, 60
    t_max = max([s["t"] for s in a + b] + [1.0])
    r_max = max([s["rss"] for s in a + b] + [1]) / 2**20 * 1.1

    def points(samples: list[dict[str, Any]]) -> str:
        return " ".join(
            f"{pad + s['t'] / t_max * (width - 2 * pad):.1f},"
            f"{height - pad - s['rss'] / 2**20 / r_max * (height - 2 * pad):.1f}"
            for s in samples
        )

    ticks = []
    for i in range(6):
        y = height - pad - i / 5 * (height - 2 * pad)
        ticks.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{pad - 8}" y="{y + 4:.1f}" text-anchor="end">{r_max * i / 5:.0f}</text>'
        )
        x = pad + i / 5 * (width - 2 * pad)
        ticks.append(
            f'<text x="{x:.1f}" y="{height - pad + 18}" text-anchor="middle">'
            f"{t_max * i / 5:.0f}</text>"
        )
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" \
font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{width / 2}" y="24" text-anchor="middle" font-size="15">kubelab bench soak: API server \
RSS over time</text>
{"".join(ticks)}
<text x="{width / 2}" y="{height - 14}" text-anchor="middle">seconds</text>
<text x="16" y="{height / 2}" transform="rotate(-90 16 {height / 2})" \
text-anchor="middle">RSS (MiB)</text>
<polyline fill="none" stroke="#c0392b" stroke-width="2" points="{points(b)}"/>
<polyline fill="none" stroke="#2471a3" stroke-width="2" points="{points(a)}"/>
<text x="{pad + 10}" y="{pad}" fill="#c0392b">never compacted</text>
<text x="{pad + 10}" y="{pad + 16}" fill="#2471a3">compacted every {interval:g} s</text>
</svg>
"""


def register(bench_app: typer.Typer) -> None:
    """Add `kubelab bench soak`."""

    @bench_app.command("soak")
    def soak_cmd(
        minutes: float = typer.Option(3.0, min=0.05, max=24 * 60, help="How long to write."),
        compaction_interval: float = typer.Option(
            10.0, min=0.1, help="Seconds between compactions (kubelab up: 300)."
        ),
        sample: float = typer.Option(5.0, min=0.1, help="Seconds between RSS samples."),
        seed: int = typer.Option(1, help="Seed of the churn (both runs get the same)."),
        out: Path = typer.Option(Path("soak-rss.svg"), help="Where the SVG goes."),
    ) -> None:
        """Create/update/delete churn for N minutes; RSS over time with and without compaction."""
        report, _, _ = run_soak(minutes, compaction_interval, sample, seed, out)
        typer.echo(report)


if __name__ == "__main__":
    trio.run(churn, *(float(a) for a in sys.argv[1:4]), int(sys.argv[4]))
