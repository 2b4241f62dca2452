"""`kubelab bench watch` at a tiny size: indexed and unindexed deliver alike, every field prints."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from components.apiserver.bench_watch import fan_out, pod_events, register, run_bench


def test_pod_events_bind_each_pod_to_one_node_after_an_unbound_create() -> None:
    events = pod_events(10, 3)
    assert len(events) == 10
    assert events[0].prev_kv is None
    assert b'"nodeName": ""' in events[0].kv.value
    assert b'"nodeName": "node-0"' in events[1].kv.value
    assert events[1].prev_kv == events[0].kv


def test_indexed_and_unindexed_fan_out_deliver_the_same_events() -> None:
    events = pod_events(200, 7)
    indexed, plain = fan_out(events, 7, indexed=True), fan_out(events, 7, indexed=False)
    assert indexed.delivered == plain.delivered == 160  # bind + 3 status updates per pod


def test_bench_prints_costs_ratio_and_the_flatness_table() -> None:
    text = run_bench(watchers=20, writes=200, sizes=[5, 20], sample=50, repeats=1)
    assert "indexed:" in text
    assert "unindexed:" in text
    assert "ratio unindexed/indexed per event:" in text
    assert "     5 watchers:" in text
    assert "    20 watchers:" in text


def test_bad_sizes_are_one_line_naming_the_option() -> None:
    app = typer.Typer()
    register(app)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["watch", "--sizes", "5,x"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --sizes: want comma-separated counts >= 1, got '5,x'"
    ]
