"""Batch grading: every submission folder graded in parallel into a CSV and JSON gradebook."""

from __future__ import annotations

import csv
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from labs.kit.grading import grade
from labs.kit.lab import Lab


def grade_one(lab: Lab, folder: Path, seed: int) -> dict[str, Any]:
    """One submission's gradebook row; a crash while grading it is that row's error only."""
    try:
        report = grade(lab, str(folder), seed=seed)
    except Exception as exc:  # one broken submission never stops the batch
        return {"submission": folder.name, "earned": 0, "points": lab.points, "error": str(exc)}
    row: dict[str, Any] = {"submission": folder.name, "earned": report.earned}
    row["points"] = report.points
    row["error"] = ""
    row["checks"] = {c.name: c.earned for c in report.checks}
    return row


def grade_batch(
    lab: Lab, submissions: Path, out: Path, *, seed: int = 0, jobs: int | None = None
) -> list[dict[str, Any]]:
    """Grade every sub-folder of `submissions`; write gradebook.csv and gradebook.json in `out`."""
    folders = sorted(p for p in submissions.iterdir() if p.is_dir())
    # Each check already runs in its own process; threads just keep that many in flight.
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        rows = list(pool.map(lambda f: grade_one(lab, f, seed), folders))
    out.mkdir(parents=True, exist_ok=True)
    (out / "gradebook.json").write_text(json.dumps({"lab": lab.name, "seed": seed, "rows": rows}))
    names = [c.name for c in lab.checks]
    with (out / "gradebook.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", *names, "earned", "points", "error"])
        for row in rows:
            checks = row.get("checks", {})
            writer.writerow(
                [
                    row["submission"],
                    *(checks.get(n, 0) for n in names),
                    row["earned"],
                    row["points"],
                    row["error"],
                ]
            )
    return rows
