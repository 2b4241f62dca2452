"""`run_chaos`: one seeded run of a system under a workload and a nemesis, then the verdict.

Phases, all in virtual time inside one `simulate` call: start the nodes and clients and the
nemesis; after `duration`, heal every fault and inject no more; after `recovery`, every client
reads every key, retrying until `liveness` runs out. The history (with the fault windows as
annotations) is then checked for linearizability, and liveness is judged from the final reads.
"""

from __future__ import annotations

import importlib
import inspect
import shlex
import shutil
import statistics
from pathlib import Path
from typing import Any

import attrs

from fault_injection.chaos.config import ChaosConfig
from fault_injection.chaos.hosted_system import HostedSystem, NodeProgram
from fault_injection.chaos.store_system import StoreSystem
from fault_injection.chaos.system import System
from fault_injection.checker import (
    Annotation,
    CheckResult,
    History,
    HistoryWriter,
    Outcome,
    Verdict,
    check,
)
from fault_injection.maelstrom import BinNodeError, BinSystem
from fault_injection.nemesis import Composite, Nemesis, Timeline, parse_nemesis, start_nemesis
from fault_injection.sim import (
    Exponential,
    LinkConfig,
    SelfCheckReport,
    TraceEvent,
    World,
    self_check,
    simulate,
)
from fault_injection.unsafe_store import PrimaryBackupSystem
from fault_injection.workloads import ClientConfig, ClientPool, Workload, workload
from kernel import registry
from kernel.exception_groups import first_leaf

EXIT_VALID, EXIT_ANOMALY, EXIT_UNKNOWN = 0, 1, 2


class ChaosConfigError(ValueError):
    """The configuration cannot run (unknown store, bad size); the message names the field."""


@attrs.frozen
class ChaosOutcome:
    """Everything a run produced: history, faults, check result, liveness and figures."""

    config: ChaosConfig
    history: History
    timeline: Timeline
    result: CheckResult
    live: bool
    missing_final: tuple[str, ...]
    """`client input` of final reads that never succeeded."""
    trace_digest: str
    system: str
    events: tuple[TraceEvent, ...] = attrs.field(default=(), eq=False, repr=False)
    """The simulation's whole event trace (messages, crashes, records), for the debugger."""

    @property
    def exit_code(self) -> int:
        """0 valid, 1 anomaly (illegal history or not live), 2 unknown (check timed out)."""
        if self.result.verdict is Verdict.ILLEGAL or not self.live:
            return EXIT_ANOMALY
        if self.result.verdict is Verdict.UNKNOWN:
            return EXIT_UNKNOWN
        return EXIT_VALID

    @property
    def verdict(self) -> str:
        """One word: valid, anomaly (safety), not-live, or unknown."""
        if self.result.verdict is Verdict.ILLEGAL:
            return "anomaly"
        if not self.live:
            return "not-live"
        return "unknown" if self.result.verdict is Verdict.UNKNOWN else "valid"

    def counts(self) -> dict[str, int]:
        """Operations by outcome."""
        out = {o.value: 0 for o in Outcome}
        for op in self.history.operations:
            out[op.outcome.value] += 1
        return out

    def latencies(self) -> dict[str, float]:
        """Quantiles (seconds) of the latency of `ok` operations; empty when there are none."""
        lat = sorted(
            op.ret - op.call
            for op in self.history.operations
            if op.outcome is Outcome.OK and op.ret is not None
        )
        if not lat:
            return {}

        def q(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))]

        return {"p50": statistics.median(lat), "p95": q(0.95), "p99": q(0.99), "max": lat[-1]}

    def replay_command(self) -> str:
        """The command that replays this run."""
        return self.config.command()


REAL_SOCKET_STORES = {
    "etcd": "use memory, unsafe, raft, a simulated store, or module:attr",
}
"""Registered stores that only run as real processes, each with the working alternative."""

SIMULATED_PROGRAMS = {
    "raft": "components.store.raft.member:main",
}
"""Stores whose registered factory runs real processes, but whose node program runs in the
simulator: ``--store raft`` runs that program on every simulated node (what
``--program components.store.raft.member:main`` does), not the multi-process cluster."""


def simulated_stores() -> list[str]:
    """The `--store` names that run in virtual time: `unsafe` and the other registered ones."""
    names = registry.Registry().names("store")
    runnable = {n for n in names if n not in REAL_SOCKET_STORES} | set(SIMULATED_PROGRAMS)
    return ["unsafe", *sorted(runnable)]


def build_system(config: ChaosConfig, *, log_dir: Path | None = None) -> System:
    """The system a config names: a Maelstrom binary, the unsafe store, or a registered store."""
    if config.bin is not None:
        argv = shlex.split(config.bin)
        if not argv:
            raise ChaosConfigError("--bin needs a program to run")
        if shutil.which(argv[0]) is None:
            raise ChaosConfigError(
                f"--bin: cannot start node program {argv[0]!r}: not found or not executable"
            )
        return BinSystem(argv, log_dir=log_dir)
    if config.program is not None:
        return HostedSystem(_load_program(config.program), f"program {config.program}")
    if config.store == "unsafe":
        return PrimaryBackupSystem()
    if config.store in SIMULATED_PROGRAMS:
        target = SIMULATED_PROGRAMS[config.store]
        return HostedSystem(_load_program(target), f"store {config.store} ({target})")
    if config.store in REAL_SOCKET_STORES:
        raise ChaosConfigError(
            f"store {config.store!r} talks to real servers over real sockets and cannot run in "
            f"virtual time; {REAL_SOCKET_STORES[config.store]}"
        )
    try:
        impl = registry.resolve("store", config.store)
    except registry.UnknownImplementationError:
        raise ChaosConfigError(
            f"unknown store {config.store!r}; stores that run in the simulator: "
            f"{', '.join(simulated_stores())}, or module:attr"
        ) from None
    except registry.RegistryError as exc:
        raise ChaosConfigError(str(exc)) from None
    return StoreSystem(impl.factory, impl.label)  # type: ignore[arg-type]


def _load_program(target: str) -> NodeProgram:
    module, _, attr = target.partition(":")
    if not module or not attr:
        raise ChaosConfigError(f"--program must be module:attr, got {target!r}")
    try:
        program = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ChaosConfigError(f"--program {target}: cannot load it ({exc})") from None
    if not inspect.iscoroutinefunction(program):
        raise ChaosConfigError(f"--program {target} must be `async def main(host: NodeHost)`")
    return program  # type: ignore[no-any-return]


def _validate(config: ChaosConfig) -> None:
    for name in ("nodes", "clients"):
        if getattr(config, name) < 1:
            raise ChaosConfigError(f"--{name} must be at least 1, got {getattr(config, name)}")
    for name in ("rate", "timeout", "duration", "latency"):
        if not getattr(config, name) > 0:
            raise ChaosConfigError(f"--{name} must be > 0, got {getattr(config, name)}")
    for name in ("recovery", "liveness"):
        if getattr(config, name) < 0:
            raise ChaosConfigError(f"--{name} must be >= 0, got {getattr(config, name)}")


@attrs.define
class _Prepared:
    """A config turned into a scenario that builds fresh clients (and system) on each run."""

    config: ChaosConfig
    system: System | None
    log_dir: Path | None
    link: LinkConfig
    workload: Workload
    nemesis: Nemesis | Composite
    last: tuple[System, ClientPool, HistoryWriter] | None = None

    async def scenario(self, world: World) -> Timeline:
        cfg = self.config
        wl = self.workload
        sut = self.system if self.system is not None else build_system(cfg, log_dir=self.log_dir)
        serves_delete = isinstance(sut, StoreSystem) or getattr(sut, "serves_delete", False)
        if wl.needs_delete and not serves_delete:
            raise ChaosConfigError(
                f"workload {wl.name!r} needs delete, which only Store-backed systems and "
                "programs with `serves_delete = True` serve; "
                "use --workload kv with this system"
            )
        nodes = [f"n{i + 1}" for i in range(cfg.nodes)]
        writer = HistoryWriter(None, model=wl.history_model, meta={"command": cfg.command()})
        final_at = cfg.duration + cfg.recovery
        pool = ClientPool(
            ClientConfig(
                wl,
                tuple(nodes),
                cfg.rate,
                cfg.timeout,
                cfg.duration,
                final_at,
                final_at + cfg.liveness,
            ),
            writer,
        )
        self.last = (sut, pool, writer)
        async with sut.open(world, nodes):
            for i in range(cfg.clients):
                world.add_host(f"c{i + 1}", pool.program(i))
            run = start_nemesis(world, self.nemesis, hosts=nodes)
            await world.sleep(cfg.duration)
            run.heal_all()
            await pool.done.wait()
            run.stop()
            return run.timeline


def _prepare(
    config: ChaosConfig,
    system: System | None,
    log_dir: Path | None,
    custom_workload: Workload | None = None,
    custom_nemesis: Nemesis | Composite | None = None,
) -> _Prepared:
    _validate(config)
    try:
        wl = custom_workload or workload(config.workload)
        nemesis = custom_nemesis or parse_nemesis(config.nemesis, interval=config.nemesis_interval)
    except ValueError as exc:
        raise ChaosConfigError(str(exc)) from None
    if system is None:
        build_system(config, log_dir=log_dir)  # fail fast on a bad store name
    link = LinkConfig(latency=Exponential(config.latency, minimum=config.latency / 10))
    return _Prepared(config, system, log_dir, link, wl, nemesis)


def prepare_check(config: ChaosConfig) -> None:
    """Raise `ChaosConfigError` when `config` cannot run, without running it."""
    _prepare(config, None, None)


def run_chaos(
    config: ChaosConfig,
    *,
    system: System | None = None,
    log_dir: Path | None = None,
    custom_workload: Workload | None = None,
    custom_nemesis: Nemesis | Composite | None = None,
) -> ChaosOutcome:
    """Run `config` once (its seed) and check the history; raises `ChaosConfigError` early.

    `custom_workload` and `custom_nemesis` replace the ones `config` names (a lab's own
    workload or fault schedule); the replay command then only names the config's.
    """
    prep = _prepare(config, system, log_dir, custom_workload, custom_nemesis)
    try:
        sim = simulate(prep.scenario, seed=config.seed, link=prep.link)
    except* (ChaosConfigError, BinNodeError) as group:
        raise first_leaf(group) from None
    assert prep.last is not None
    sut, pool, writer = prep.last
    timeline = sim.value
    for w in timeline.windows():
        writer.annotate(w.fault, w.start, w.stop, " ".join(w.targets))
    history = writer.history()
    result = check(history, prep.workload.model(), timeout=config.check_timeout)
    return ChaosOutcome(
        config,
        history,
        timeline,
        result,
        not pool.missing_final,
        tuple(pool.missing_final),
        sim.trace.digest(),
        sut.label,
        tuple(sim.trace.events),
    )


def self_check_chaos(config: ChaosConfig, *, system: System | None = None) -> SelfCheckReport:
    """Run `config` twice with its seed and stop at the first divergence of the event trace."""
    prep = _prepare(config, system, None)
    return self_check(prep.scenario, seed=config.seed, link=prep.link)


def annotations(history: History) -> tuple[Annotation, ...]:
    """The fault windows recorded in a run's history."""
    return history.annotations


def summary(outcome: ChaosOutcome) -> dict[str, Any]:
    """A JSON-friendly summary of a run (what `kubelab chaos run` prints and saves)."""
    return {
        "seed": outcome.config.seed,
        "verdict": outcome.verdict,
        "checker": outcome.result.verdict.value,
        "live": outcome.live,
        "missing_final_reads": list(outcome.missing_final),
        "operations": outcome.counts(),
        "latency": outcome.latencies(),
        "faults": outcome.timeline.counts(),
        "trace_digest": outcome.trace_digest,
        "replay": outcome.replay_command(),
    }
