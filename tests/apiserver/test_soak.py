"""`kubelab bench soak`: samples from both runs, fewer versions kept when compacting, an SVG."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from components.apiserver.soak import render_svg, run_soak


def test_a_short_soak_keeps_fewer_versions_when_compacting(tmp_path: Path) -> None:
    out = tmp_path / "rss.svg"
    report, compacted, never = run_soak(0.05, 0.5, 0.5, 3, out)
    assert len(compacted) >= 4
    assert len(never) >= 4
    assert never[-1]["history"] >= never[-1]["writes"]  # every write kept
    assert compacted[-1]["history"] < never[-1]["history"] * 0.8
    assert all(s["rss"] > 0 for s in compacted + never)
    assert "compacted every 0.5 s" in report
    svg = ElementTree.fromstring(out.read_text())
    assert len(svg.findall("{http://www.w3.org/2000/svg}polyline")) == 2


def test_the_svg_scales_points_into_the_picture() -> None:
    samples = [{"t": t, "rss": (50 + t) * 2**20} for t in range(10)]
    svg = ElementTree.fromstring(render_svg(samples, samples, 10))
    for line in svg.findall("{http://www.w3.org/2000/svg}polyline"):
        for point in line.get("points", "").split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= 900
            assert 0 <= y <= 420
