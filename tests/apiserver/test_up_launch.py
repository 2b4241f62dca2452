"""`kubelab up` starts every part the config names through its launcher, in LAUNCH_ORDER."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from components.apiserver.up import UpError, UpOptions, run_up
from kernel.config import PartConfig
from kernel.launch import LaunchContext


async def test_up_runs_configured_parts_in_launch_order_with_their_context(
    tmp_path: Path,
) -> None:
    seen: list[tuple[str, LaunchContext]] = []
    all_started = trio.Event()

    def launcher(name: str):  # type: ignore[no-untyped-def]
        async def launch(ctx: LaunchContext, *, task_status=trio.TASK_STATUS_IGNORED) -> None:  # type: ignore[no-untyped-def]
            seen.append((name, ctx))
            task_status.started()
            if len(seen) == 2:
                all_started.set()
            await trio.sleep_forever()

        return launch

    opts = UpOptions(
        port=0,
        state_dir=tmp_path,
        insecure_http=True,
        parts={"scheduler": PartConfig("mine:Sched"), "controllers": PartConfig("reference")},
        launchers={"scheduler": launcher("scheduler"), "controllers": launcher("controllers")},
        extra={"runtime": "process"},
    )
    with trio.move_on_after(10) as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(run_up, opts, lambda _line: None)
            await all_started.wait()
            nursery.cancel_scope.cancel()
    assert not scope.cancelled_caught
    assert [name for name, _ in seen] == ["controllers", "scheduler"]
    ctx = dict(seen)["scheduler"]
    assert ctx.part == PartConfig("mine:Sched")
    assert ctx.api_url.startswith("http://127.0.0.1:")
    assert ctx.kubeconfig("kube-scheduler").is_file()
    assert ctx.extra == {"runtime": "process"}
    assert ctx.env.monotonic() >= 0


async def test_a_part_without_a_launcher_is_one_line_naming_its_table(tmp_path: Path) -> None:
    opts = UpOptions(
        port=0,
        state_dir=tmp_path,
        insecure_http=True,
        parts={"dns": PartConfig("reference")},
        launchers={},
    )
    with pytest.raises(UpError, match=r"^\[dns\]: no launcher for this part is installed"):
        await run_up(opts, lambda _line: None)
