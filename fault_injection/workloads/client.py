"""Clients: simulated hosts that issue a workload's operations and record the history.

Each client runs one operation at a time against one node (client *i* starts at node
*i mod n* and moves to the next node after a timeout or an "unavailable" error), waits
`timeout` seconds for the reply, and records invoke plus ok / fail / info in a shared
`HistoryWriter`. When the run's main phase ends, each client does final reads of every key,
retrying until one succeeds or the liveness bound passes: the run is *live* when every client
got every final read.
"""

from __future__ import annotations

from typing import Any

import attrs
import trio

from fault_injection.checker import HistoryWriter
from fault_injection.sim import Process
from fault_injection.workloads.catalog import Workload
from fault_injection.workloads.operations import Completion, OpSpec, complete, timed_out


@attrs.frozen
class ClientConfig:
    """What every client of a run shares."""

    workload: Workload
    nodes: tuple[str, ...]
    rate: float
    """Mean operations per second per client (think times are exponential)."""
    timeout: float
    """Seconds to wait for a reply before recording `info` (or `fail` for a read)."""
    stop_at: float
    """Virtual time the main phase ends."""
    final_at: float
    """Virtual time final reads start (after healing and recovery)."""
    give_up_at: float
    """Virtual time after which a missing final read means the run is not live."""


@attrs.define
class ClientPool:
    """The shared state of a run's clients: the history, final-read results, completion."""

    config: ClientConfig
    writer: HistoryWriter
    missing_final: list[str] = attrs.Factory(list)
    """`client key` pairs whose final read never succeeded (empty: live)."""
    recovered_at: dict[str, float] = attrs.Factory(dict)
    """Per client: virtual time its last final read succeeded."""
    running: int = 0
    done: trio.Event = attrs.Factory(trio.Event)

    def program(self, index: int) -> Any:
        """The node program of client number `index` (task style)."""

        async def main(proc: Process) -> None:
            self.running += 1
            try:
                await _Client(self, proc, index).run()
            finally:
                self.running -= 1
                if self.running == 0:
                    self.done.set()

        return main


class _Client:
    """One client's loop: main phase, then final reads."""

    def __init__(self, pool: ClientPool, proc: Process, index: int) -> None:
        self.pool = pool
        self.cfg = pool.config
        self.proc = proc
        self.index = index
        self.process = index + 1
        """History process id: client `c<process>`."""
        self.node = index % len(self.cfg.nodes)
        self.msg_id = 0

    async def run(self) -> None:
        cfg, proc = self.cfg, self.proc
        while True:
            await proc.sleep(proc.rng.expovariate(cfg.rate))
            if proc.now() >= cfg.stop_at:
                break
            await self.perform(cfg.workload.generate(proc.rng))
        await proc.sleep(max(0.0, cfg.final_at - proc.now()))
        for spec in cfg.workload.final_reads():
            while True:
                done = await self.perform(spec)
                if done.outcome == "ok":
                    self.pool.recovered_at[proc.name] = proc.now()
                    break
                if proc.now() >= cfg.give_up_at:
                    self.pool.missing_final.append(f"{proc.name} {spec.input}")
                    break
                await proc.sleep(min(0.5, cfg.timeout))

    async def perform(self, spec: OpSpec) -> Completion:
        """Issue one operation, wait for its reply, record it; return how it ended."""
        proc, writer = self.proc, self.pool.writer
        self.msg_id += 1
        msg_id = self.msg_id
        node = self.cfg.nodes[self.node]
        writer.invoke(self.process, spec.f, spec.input, time=proc.now())
        proc.send(node, {**spec.body, "msg_id": msg_id})
        done: Completion | None = None
        with trio.move_on_after(self.cfg.timeout):
            while done is None:
                msg = await proc.recv()
                body = msg.payload
                if isinstance(body, dict) and body.get("in_reply_to") == msg_id:
                    done = complete(spec, body)
        if done is None:
            done = timed_out(spec, self.cfg.timeout)
        if done.outcome != "ok":
            self.node = (self.node + 1) % len(self.cfg.nodes)
        now = proc.now()
        if done.outcome == "ok":
            writer.ok(self.process, done.output, time=now)
        elif done.outcome == "fail":
            writer.fail(self.process, done.error, time=now)
        else:
            writer.info(self.process, done.error, time=now)
        return done
