"""`kubelab up`'s Raft supervisor: a SIGKILLed member comes back, with backoff, and it is logged.

Before the supervisor a killed member stayed down for good.
"""

from __future__ import annotations

import logging
import os
import signal

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st

from components.store.raft.local import open_cluster_client, open_local_raft_cluster
from components.store.raft.supervisor import Backoff, describe_exit, supervise_members


async def test_a_sigkilled_member_is_restarted_and_the_log_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="kubelab.store.raft")
    async with (
        open_local_raft_cluster(3, fsync=False, seed=5) as cluster,
        open_cluster_client(cluster) as store,
        trio.open_nursery() as nursery,
    ):
        await nursery.start(supervise_members, cluster, Backoff(initial=0.1))
        victim = cluster.member("n2")
        old_pid = victim.process.pid  # type: ignore[union-attr]
        os.kill(old_pid, signal.SIGKILL)
        with trio.fail_after(20):
            while "raft member n2 restarted (start 2)" not in caplog.messages:
                await trio.sleep(0.05)
        assert victim.running
        assert victim.process.pid != old_pid  # type: ignore[union-attr]
        assert "raft member n2 exited (signal SIGKILL); restarting it in 0.1 s" in caplog.messages
        await store.put(b"/after-restart", b"v")  # the cluster serves on
        nursery.cancel_scope.cancel()


@given(st.lists(st.floats(min_value=0, max_value=1000), max_size=30))
def test_backoff_doubles_up_to_its_maximum_and_resets_after_a_good_run(runs: list[float]) -> None:
    backoff = Backoff(initial=0.5, maximum=8, reset_after=60)
    delay = 0.0
    for ran_for in runs:
        previous, delay = delay, backoff.next_delay(delay, ran_for)
        if previous == 0 or ran_for >= 60:
            assert delay == 0.5
        else:
            assert delay == min(8, previous * 2)
        assert 0.5 <= delay <= 8


def test_exits_are_described_by_signal_or_code() -> None:
    assert describe_exit(-9) == "signal SIGKILL"
    assert describe_exit(3) == "code 3"
