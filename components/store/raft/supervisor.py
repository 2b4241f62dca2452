"""Keep a local Raft cluster's members running: restart one that dies, with backoff, and log it.

`kubelab up --store raft` runs its members as child processes; without a supervisor one that
crashed (or was killed) stayed down and the cluster ran one failure from unavailable. Each
member gets a watcher task: when its process exits, it logs one line naming the member and the
exit, waits the backoff delay, and starts it again on the same ports and data. Delays double
per quick failure up to `Backoff.maximum` and return to `Backoff.initial` once a member has
stayed up for `Backoff.reset_after` (the shape of systemd's and kubelet's crash-loop backoff).
"""

from __future__ import annotations

import logging
import signal

import attrs
import trio

from components.store.raft.local import LocalRaft, LocalRaftError, LocalRaftMember

log = logging.getLogger("kubelab.store.raft")


@attrs.frozen
class Backoff:
    """Restart delays: `initial`, doubling per failure up to `maximum`; reset after a good run."""

    initial: float = 0.5
    maximum: float = 30.0
    reset_after: float = 60.0
    """Seconds a member must stay up for its next failure to wait `initial` again."""

    def next_delay(self, delay: float, ran_for: float) -> float:
        """The wait before a restart: `delay` doubled (up to `maximum`), `initial` after a good run.

        `delay` is the previous wait (0 before the first failure); `ran_for` how long the member
        stayed up since its last start.
        """
        if delay <= 0 or ran_for >= self.reset_after:
            return self.initial
        return min(self.maximum, delay * 2)


def describe_exit(code: int | None) -> str:
    """``code 3`` or ``signal SIGKILL`` for a process's return code."""
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


async def supervise_members(
    cluster: LocalRaft,
    backoff: Backoff = Backoff(),
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Restart `cluster`'s members as they die, until cancelled."""
    async with trio.open_nursery() as nursery:
        for member in cluster.members:
            nursery.start_soon(_keep_running, cluster, member, backoff)
        task_status.started()


async def _keep_running(cluster: LocalRaft, member: LocalRaftMember, backoff: Backoff) -> None:
    """Wait for `member` to exit, then restart it after the backoff delay; forever."""
    delay = 0.0
    started = trio.current_time()
    while True:
        process = member.process
        if process is not None and process.returncode is None:
            await process.wait()
            reason = describe_exit(process.returncode)
        else:
            reason = "not running"
        delay = backoff.next_delay(delay, trio.current_time() - started)
        log.warning(
            "raft member %s exited (%s); restarting it in %.1f s", member.name, reason, delay
        )
        await trio.sleep(delay)
        try:
            if not member.running:  # someone else (a test, an operator) may have restarted it
                await cluster.start(member.name)
        except LocalRaftError as err:
            log.warning("raft member %s did not restart: %s", member.name, err)
            started = trio.current_time()
            continue
        started = trio.current_time()
        log.warning("raft member %s restarted (start %d)", member.name, member.starts)


__all__ = ["Backoff", "describe_exit", "supervise_members"]
