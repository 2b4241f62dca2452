"""`kubelab bench apiserver` at a tiny size: it runs end to end and prints every field (untimed)."""

from __future__ import annotations

from components.apiserver.bench import percentile, run_bench


def test_percentile_is_nearest_rank():
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(100)], 0.99) == 99.0


def test_bench_prints_rates_latencies_baseline_and_watch_delivery():
    text = run_bench(clients=2, ops=20, watchers=5, events=2, repeats=1)
    lines = text.splitlines()
    assert "http req/s" in lines[1]
    assert "in-proc req/s" in lines[1]
    for verb, line in zip(("create", "get", "list"), lines[2:5], strict=True):
        fields = line.split()
        assert fields[0] == verb
        assert all(float(f) > 0 for f in fields[1:])
    assert lines[5].startswith("watch delivery (5 watchers x 2 events): p50 ")
    assert lines[5].endswith("missing 0")


def test_bench_tls_reports_https_next_to_http_in_the_same_run():
    text = run_bench(clients=2, ops=20, watchers=5, events=2, repeats=1, tls=True)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("TLS (HTTPS"))
    assert "https/http" in lines[at + 1]
    for verb, line in zip(("create", "get", "list"), lines[at + 2 : at + 5], strict=True):
        fields = line.split()
        assert fields[0] == verb
        assert all(float(f) > 0 for f in fields[1:])
    assert lines[at + 5].startswith("watch delivery over TLS: p50 ")
    assert lines[at + 5].endswith("missing 0")
