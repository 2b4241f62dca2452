"""Golden trace: a fixed scenario and seed must keep producing exactly this trace digest.

If this fails after a trio upgrade, trio's deterministic scheduling changed: runs are no
longer replayable across the upgrade (see fault_injection/sim/determinism.py). If it fails after
you changed the simulator's behaviour on purpose, check the new trace and update GOLDEN.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from fault_injection.sim import (
    Exponential,
    LinkConfig,
    Process,
    World,
    halves,
    simulate,
)

GOLDEN = "9692a408e3e2a16612f5982e64a6745f8ee29411d4673b8351f862bfab972169"


async def _writer(proc: Process) -> None:
    raw = proc.disk.read("n") if proc.disk.exists("n") else b""
    n = int(raw) if raw else 0  # a torn write may have left a prefix, even an empty one
    while True:
        await proc.sleep(0.5)
        n += 1
        proc.disk.write("n", str(n).encode())
        if n % 3 == 0:
            proc.disk.fsync()
        for peer in proc.peers:
            proc.send(peer, ("n", n))


def _replier(proc: Process) -> None:
    def on_message(msg) -> None:
        proc.send(msg.src, ("seen", msg.payload, round(proc.clock.now(), 6)))

    proc.on_message(on_message)


async def golden_scenario(world: World) -> None:
    world.net.configure_default(
        LinkConfig(latency=Exponential(0.02, minimum=0.001), loss=0.05, duplicate=0.05, reorder=0.1)
    )
    for name in ("w1", "w2", "w3"):
        world.add_host(name, _writer, torn_writes=True)
    world.add_host("r", _replier)
    world.host("r").clock.set_drift(0.01)
    await world.sleep(2)
    part = world.net.partition(halves(world.host_names, world.rngs.rng("golden")))
    world.pause("w2")
    await world.sleep(2)
    world.net.unpartition(part)
    world.resume("w2")
    world.crash("w1")
    await world.sleep(1)
    world.restart("w1")
    await world.sleep(3)


def test_golden_trace_digest_is_unchanged():
    trace = simulate(golden_scenario, seed=20261129).trace
    assert len(trace.events) > 100
    assert trace.digest() == GOLDEN, (
        f"golden trace changed: digest is now {trace.digest()} over {len(trace.events)} events "
        "(trio upgrade? determinism broke; intended simulator change? update GOLDEN)"
    )


def test_trace_is_independent_of_the_hash_seed():
    """String hashing differs between processes; the trace must not depend on it."""
    code = textwrap.dedent(
        """
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("golden", sys.argv[1])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        from fault_injection.sim import simulate
        print(simulate(mod.golden_scenario, seed=20261129).trace.digest())
        """
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run(
            [sys.executable, "-c", code, str(Path(__file__))],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parents[2],
        )
        digests.add(out.stdout.strip())
    assert digests == {simulate(golden_scenario, seed=20261129).trace.digest()}
