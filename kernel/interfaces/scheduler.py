r"""The Scheduler contract: a framework of small extension points, and the whole-scheduler protocol.

A scheduler picks a node for every pod whose `spec.nodeName` is empty and whose
`spec.schedulerName` is its own, then *binds* the pod there (the API server's `pods/binding`
subresource). kubelab follows the Kubernetes scheduling framework: scheduling one pod is a
**scheduling cycle** (which node?) followed by a **binding cycle** (make it so), and both are
built from plugins, each implementing one or more tiny extension-point protocols below.

Scheduling cycle, in order, for one pod:

1. **QueueSort** orders the queue of pending pods (exactly one QueueSort plugin is enabled).
2. **PreFilter** runs once per pod: compute what Filter will need into `CycleState`, reject
   early, or narrow the candidate nodes (`PreFilterResult.node_names`).
3. **Filter** runs per node: may this pod run there? Any non-success status rules the node out.
4. **PostFilter** runs only when no node passed Filter (e.g. preemption): it may nominate a
   node for a later attempt; the pod is still unschedulable in this cycle.
5. **PreScore** runs once over the feasible nodes; **Score** runs per feasible node and
   returns an integer; each Score plugin's **NormalizeScore** (its `ScoreExtensions`) maps its
   raw scores into `[MIN_NODE_SCORE, MAX_NODE_SCORE]`. A node's total is the sum over Score
   plugins of `weight * normalized score`. The highest total wins; ties are broken uniformly
   at random with the scheduler's seeded `random.Random`.
6. **Reserve** claims the node's resources in the scheduler's own cache before binding;
   **Unreserve** undoes it if any later step fails (it must be idempotent).
7. **Permit** approves, denies or delays (`Code.WAIT`, with a timeout) the binding.

Binding cycle (may run concurrently with the next pod's scheduling cycle):
**PreBind** (e.g. provision volumes), **Bind** (the first plugin not returning `SKIP` binds),
**PostBind** (informational). A failure anywhere after Reserve calls every Reserve plugin's
`unreserve` in reverse order and puts the pod back in the queue.

Rules every plugin keeps:

* **Pure and deterministic.** Plugins other than PreBind/Bind do no I/O: values in, values out.
  They read the cluster only through the `NodeInfo`/`Snapshot` values they are handed (never a
  live cache that changes under them), time only from the `Handle`'s clock, randomness only
  from the `Handle`'s seeded `random.Random`. The same inputs give the same decision.
* **Statuses, not exceptions.** Every extension point reports through a `Status` with one of
  the six `Code`\s; an exception escaping a plugin is treated as `Code.ERROR`.
* **Names.** Every plugin has a unique `name`; a plugin implementing several extension points
  (Filter and Score, say) is one object registered once. `Status.plugin` names the plugin that
  produced a non-success status.

A whole scheduler (the `Scheduler` protocol at the bottom) is what the `kubelab.scheduler`
entry-point group names: it may be built on this framework or be anything else that satisfies
`Scheduler`, and it is graded on its decisions (`schedule_one`) and on its behaviour in a
cluster (`run`).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from kernel.client import Client
    from kernel.clock import Clock
    from kernel.objects import Node, Pod

MAX_NODE_SCORE: int = 100
"""The highest score a Score plugin may give a node after NormalizeScore."""

MIN_NODE_SCORE: int = 0
"""The lowest score a Score plugin may give a node after NormalizeScore."""

DEFAULT_SCHEDULER_NAME: str = "default-scheduler"
"""The `spec.schedulerName` a pod gets when it names none (Kubernetes' default)."""


# --------------------------------------------------------------------------- status


class Code(enum.Enum):
    """The closed set of outcomes an extension point can report (Kubernetes' status codes)."""

    SUCCESS = "Success"
    """The plugin ran and found nothing against the pod (for Filter: it fits on this node)."""
    ERROR = "Error"
    """Internal failure (bad input, a bug, an unreachable API). The cycle stops and the pod is
    retried with backoff; this is never a statement about the pod's fit."""
    UNSCHEDULABLE = "Unschedulable"
    """The pod does not fit, but PostFilter plugins (preemption) might make room."""
    UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
    """The pod does not fit and preemption cannot help (e.g. a node selector mismatch): the
    node is not even considered as a preemption candidate."""
    WAIT = "Wait"
    """Permit only: hold the pod at Permit until a plugin allows or rejects it, or the
    timeout returned with this status expires (then the pod is rejected)."""
    SKIP = "Skip"
    """Not applicable: from PreFilter, skip this plugin's Filter; from PreScore, skip this
    plugin's Score; from Bind, let the next Bind plugin bind. Anywhere else: an error."""


def _as_reasons(values: Iterable[str]) -> tuple[str, ...]:
    """Reasons as a tuple (a list or generator is accepted)."""
    return tuple(values)


@attrs.frozen
class Status:
    """The result of one extension point: a `Code`, human-readable reasons, and who said it.

    A default `Status()` is success. Reasons are short phrases in Kubernetes' words
    ("Insufficient cpu", "node(s) didn't match Pod's node affinity/selector"); the scheduler
    aggregates them across nodes into the pod's `PodScheduled` condition message.
    """

    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_as_reasons)
    """Why, when the code is not SUCCESS; one phrase per reason."""
    plugin: str = ""
    """Name of the plugin that returned this status (the framework fills it in)."""

    @classmethod
    def unschedulable(cls, *reasons: str, resolvable: bool = True) -> Status:
        """A rejection: `UNSCHEDULABLE`, or `UNSCHEDULABLE_AND_UNRESOLVABLE` if not resolvable."""
        code = Code.UNSCHEDULABLE if resolvable else Code.UNSCHEDULABLE_AND_UNRESOLVABLE
        return cls(code, reasons)

    @classmethod
    def error(cls, reason: str) -> Status:
        """An internal failure with one reason."""
        return cls(Code.ERROR, (reason,))

    def with_plugin(self, plugin: str) -> Status:
        """The same status attributed to `plugin`."""
        return attrs.evolve(self, plugin=plugin)

    def is_success(self) -> bool:
        """True for `SUCCESS`."""
        return self.code is Code.SUCCESS

    def is_rejected(self) -> bool:
        """True when the pod was found not to fit (either unschedulable code)."""
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def message(self) -> str:
        """The reasons joined with ", " (empty for a bare success)."""
        return ", ".join(self.reasons)


# --------------------------------------------------------------------------- cluster view


def _sorted_pairs(
    value: Mapping[str, int] | Iterable[tuple[str, int]],
) -> tuple[tuple[str, int], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), int(v)) for k, v in items))


@attrs.frozen
class Resources:
    """An amount of node resources, in Kubernetes' base units (integers, no quantities)."""

    milli_cpu: int = 0
    """CPU in thousandths of a core (`250m` is 250, `2` is 2000)."""
    memory: int = 0
    """Memory in bytes."""
    ephemeral_storage: int = 0
    """Local ephemeral storage in bytes."""
    pods: int = 0
    """Number of pods (as a capacity: how many may run on the node)."""
    extended: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_sorted_pairs)
    """Extended resources such as `("example.com/gpu", 2)`, sorted by name."""

    def extended_amount(self, name: str) -> int:
        """The amount of the extended resource `name` (0 when absent)."""
        return dict(self.extended).get(name, 0)

    def plus(self, other: Resources) -> Resources:
        """The sum of two amounts."""
        ext = dict(self.extended)
        for name, amount in other.extended:
            ext[name] = ext.get(name, 0) + amount
        return Resources(
            self.milli_cpu + other.milli_cpu,
            self.memory + other.memory,
            self.ephemeral_storage + other.ephemeral_storage,
            self.pods + other.pods,
            ext,
        )

    def insufficient(self, request: Resources, allocatable: Resources) -> tuple[str, ...]:
        """Resources for which `self + request` would exceed `allocatable`; empty if it fits.

        Named in Kubernetes' words: "cpu", "memory", "ephemeral-storage", "pods", or the
        extended resource's name. Only resources the request asks for can be insufficient.
        """
        total = self.plus(request)
        short = [
            name
            for name, used, cap, asked in (
                ("cpu", total.milli_cpu, allocatable.milli_cpu, request.milli_cpu),
                ("memory", total.memory, allocatable.memory, request.memory),
                (
                    "ephemeral-storage",
                    total.ephemeral_storage,
                    allocatable.ephemeral_storage,
                    request.ephemeral_storage,
                ),
                ("pods", total.pods, allocatable.pods, request.pods),
            )
            if asked > 0 and used > cap
        ]
        short += [
            name
            for name, asked in request.extended
            if asked > 0 and total.extended_amount(name) > allocatable.extended_amount(name)
        ]
        return tuple(short)


@attrs.frozen
class NodeInfo:
    """One node as the scheduler sees it in a snapshot: the Node, its pods, its bookkeeping.

    Built by the framework; plugins only read it. `requested` counts every pod in `pods`
    (containers' requests, the max with init containers, plus pod overhead; `pods` = 1 each).
    """

    node: Node
    pods: tuple[Pod, ...] = ()
    """Pods bound to this node or assumed onto it (reserved but not yet bound)."""
    allocatable: Resources = Resources()
    """`status.allocatable` of the node."""
    requested: Resources = Resources()
    """Sum of the requests of `pods`."""
    used_host_ports: frozenset[tuple[str, str, int]] = frozenset()
    """(hostIP, protocol, hostPort) triples already taken by `pods`."""
    generation: int = 0
    """Bumped whenever this node's info changes; lets plugins cache per-node work."""

    @property
    def name(self) -> str:
        """The node's name (`metadata.name`)."""
        return self.node.metadata.name or ""


@runtime_checkable
class Snapshot(Protocol):
    """An immutable view of every node for one scheduling cycle (Kubernetes' SharedLister).

    Nothing in a snapshot changes while a cycle uses it; the scheduler takes a new one (cheaply,
    by generation) before each cycle.
    """

    def node_infos(self) -> Sequence[NodeInfo]:
        """Every node, in ascending name order (the order the framework evaluates them in)."""
        ...

    def get(self, node_name: str) -> NodeInfo:
        """The node called `node_name`; raises `KeyError` if the snapshot has no such node."""
        ...


@attrs.frozen
class StaticSnapshot:
    """A `Snapshot` over a fixed set of nodes: for tests, graders and the simulator."""

    nodes: tuple[NodeInfo, ...] = attrs.field(
        converter=lambda infos: tuple(sorted(infos, key=lambda i: i.name))
    )

    def node_infos(self) -> Sequence[NodeInfo]:
        return self.nodes

    def get(self, node_name: str) -> NodeInfo:
        for info in self.nodes:
            if info.name == node_name:
                return info
        raise KeyError(node_name)


# --------------------------------------------------------------------------- cycle state


class StateData(Protocol):
    """A value a plugin stores in `CycleState`; `clone` must return an independent copy."""

    def clone(self) -> StateData: ...


@attrs.define
class CycleState:
    """Scratch space for one scheduling cycle, shared by the plugins of that cycle.

    A plugin writes what it computed in PreFilter/PreScore under its own key (by convention
    `"PreFilter" + name`) and reads it back in Filter/Score. Discarded after the cycle.
    Preemption simulations work on a `clone()`.
    """

    _data: dict[str, StateData] = attrs.field(factory=dict)
    skip_filter_plugins: set[str] = attrs.field(factory=set)
    """Plugins whose PreFilter returned SKIP (their Filter is not called this cycle)."""
    skip_score_plugins: set[str] = attrs.field(factory=set)
    """Plugins whose PreScore returned SKIP (their Score is not called this cycle)."""

    def read(self, key: str) -> StateData:
        """The value stored under `key`; raises `KeyError` naming the key if none."""
        try:
            return self._data[key]
        except KeyError:
            raise KeyError(f"no state stored under {key!r} in this cycle") from None

    def write(self, key: str, value: StateData) -> None:
        """Store `value` under `key`, replacing any previous value."""
        self._data[key] = value

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        self._data.pop(key, None)

    def clone(self) -> CycleState:
        """A deep copy (each value's own `clone`)."""
        return CycleState(
            {k: v.clone() for k, v in self._data.items()},
            set(self.skip_filter_plugins),
            set(self.skip_score_plugins),
        )


# --------------------------------------------------------------------------- results


@attrs.frozen
class QueuedPodInfo:
    """A pending pod in the scheduling queue, as QueueSort compares it."""

    pod: Pod
    timestamp: float
    """When the pod was (last) added to the active queue, on the scheduler's clock."""
    attempts: int = 0
    """Scheduling attempts so far."""
    initial_attempt_timestamp: float | None = None
    """When the pod was first tried (None before the first attempt)."""


@attrs.frozen
class PreFilterResult:
    """What a PreFilter plugin may say beyond its status: which nodes are worth filtering."""

    node_names: frozenset[str] | None = None
    """Only these nodes can possibly fit (None: all nodes). Results of several plugins are
    intersected; an empty intersection makes the pod unschedulable."""


@attrs.frozen
class PostFilterResult:
    """What a PostFilter plugin (preemption) achieved."""

    nominated_node_name: str = ""
    """The node the pod should land on once victims are gone ("" for none)."""


@attrs.frozen
class NodeScore:
    """One node's score from one Score plugin."""

    name: str
    score: int


@attrs.frozen
class ScheduleResult:
    """The outcome of one scheduling cycle for one pod (`Scheduler.schedule_one`)."""

    node_name: str | None
    """The chosen node, or None when the pod cannot be scheduled now."""
    status: Status = Status()
    """SUCCESS with a node; otherwise UNSCHEDULABLE(_AND_UNRESOLVABLE) or ERROR with reasons."""
    evaluated_nodes: int = 0
    """Nodes Filter was run on (may be fewer than the cluster: percentageOfNodesToScore)."""
    feasible_nodes: int = 0
    """Nodes that passed every Filter."""
    node_statuses: Mapping[str, Status] = attrs.field(factory=dict)
    """Per rejected node, the status that ruled it out (the diagnosis)."""
    nominated_node_name: str = ""
    """Set by a PostFilter plugin (preemption) when it made room somewhere."""

    def message(self, total_nodes: int) -> str:
        """The `PodScheduled=False` condition message, in Kubernetes' form.

        ``0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint.``
        Each reason is counted once per node that gave it; reasons are sorted.
        """
        if self.node_name is not None:
            return ""
        if self.status.code is Code.ERROR:
            return self.status.message()
        counts: dict[str, int] = {}
        for status in self.node_statuses.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        detail = ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items()))
        if not detail:
            detail = self.status.message() or "no nodes available to schedule pods"
        return f"0/{total_nodes} nodes are available: {detail}."


# --------------------------------------------------------------------------- plugins


@runtime_checkable
class Plugin(Protocol):
    """Every plugin has a name, unique among the plugins of one scheduler profile."""

    name: str


@runtime_checkable
class QueueSortPlugin(Plugin, Protocol):
    """Orders the pending queue. Must be a strict weak ordering (FIFO by timestamp if equal)."""

    def less(self, a: QueuedPodInfo, b: QueuedPodInfo) -> bool:
        """True when `a` should be scheduled before `b`."""
        ...


@runtime_checkable
class PreFilterExtensions(Protocol):
    """Incremental updates of PreFilter state, used when preemption simulates removing pods."""

    def add_pod(
        self, state: CycleState, pod_to_schedule: Pod, pod_to_add: Pod, node_info: NodeInfo
    ) -> Status:
        """Update `state` as if `pod_to_add` were on `node_info`'s node."""
        ...

    def remove_pod(
        self, state: CycleState, pod_to_schedule: Pod, pod_to_remove: Pod, node_info: NodeInfo
    ) -> Status:
        """Update `state` as if `pod_to_remove` were gone from `node_info`'s node."""
        ...


@runtime_checkable
class PreFilterPlugin(Plugin, Protocol):
    """Runs once per cycle before Filter: precompute, reject early, or narrow the nodes."""

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Return (narrowing or None, status).

        A non-success status other than SKIP ends the cycle: every node is rejected with it.
        SKIP disables this plugin's Filter for the cycle.
        """
        ...

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        """The incremental-update hooks, or None if the plugin's state needs none."""
        ...


@runtime_checkable
class FilterPlugin(Plugin, Protocol):
    """Decides, per node, whether the pod may run there."""

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """SUCCESS if the pod fits on `node_info`, else why not.

        UNSCHEDULABLE(_AND_UNRESOLVABLE) with the reason if it does not fit; ERROR on internal
        failure. Must not modify `state` (Filter runs for many nodes, in any order).
        """
        ...


@runtime_checkable
class PostFilterPlugin(Plugin, Protocol):
    """Runs only when no node passed Filter; typically preemption."""

    def post_filter(
        self, state: CycleState, pod: Pod, filtered_node_statuses: Mapping[str, Status]
    ) -> tuple[PostFilterResult | None, Status]:
        """Try to make the pod schedulable later.

        SUCCESS with a nominated node ends the PostFilter phase; UNSCHEDULABLE lets the next
        PostFilter plugin try.
        """
        ...


@runtime_checkable
class PreScorePlugin(Plugin, Protocol):
    """Runs once over the feasible nodes before Score."""

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Precompute for Score.

        SKIP disables this plugin's Score; any other non-success ends the cycle with ERROR.
        """
        ...


@runtime_checkable
class ScoreExtensions(Protocol):
    """NormalizeScore: map one Score plugin's raw scores into [MIN_NODE_SCORE, MAX_NODE_SCORE]."""

    def normalize_score(
        self, state: CycleState, pod: Pod, scores: Sequence[NodeScore]
    ) -> tuple[tuple[NodeScore, ...], Status]:
        """Return the normalized scores (same nodes, same order) and a status."""
        ...


@runtime_checkable
class ScorePlugin(Plugin, Protocol):
    """Ranks feasible nodes: higher is better."""

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """The node's raw score.

        Without ScoreExtensions it must already lie in [MIN_NODE_SCORE, MAX_NODE_SCORE]; a
        score out of range after normalizing is an ERROR.
        """
        ...

    def score_extensions(self) -> ScoreExtensions | None:
        """The NormalizeScore hook, or None when raw scores are already in range."""
        ...


@runtime_checkable
class ReservePlugin(Plugin, Protocol):
    """Claims (and, on failure, releases) resources in the scheduler's cache for a pod."""

    def reserve(self, state: CycleState, pod: Pod, node_name: str) -> Status:
        """Claim; non-success fails the cycle and triggers `unreserve` on every Reserve plugin."""
        ...

    def unreserve(self, state: CycleState, pod: Pod, node_name: str) -> None:
        """Release whatever `reserve` claimed.

        Idempotent; called even if `reserve` never ran for this plugin; must not fail.
        """
        ...


@runtime_checkable
class PermitPlugin(Plugin, Protocol):
    """The last gate before binding: allow, deny, or wait (gang scheduling, quotas)."""

    def permit(self, state: CycleState, pod: Pod, node_name: str) -> tuple[Status, float]:
        """Return (status, timeout in seconds).

        With WAIT, the pod waits until some plugin calls `WaitingPod.allow`/`reject` through
        the Handle, or the timeout passes (then it is rejected). The timeout is ignored for
        other codes.
        """
        ...


@runtime_checkable
class PreBindPlugin(Plugin, Protocol):
    """Work that must succeed before the binding (e.g. attaching a volume)."""

    async def pre_bind(self, state: CycleState, pod: Pod, node_name: str) -> Status:
        """Non-success aborts the binding cycle (Unreserve runs, the pod is requeued)."""
        ...


@runtime_checkable
class BindPlugin(Plugin, Protocol):
    """Binds the pod to the node (the default plugin posts a `Binding` to the API server)."""

    async def bind(self, state: CycleState, pod: Pod, node_name: str) -> Status:
        """Bind `pod` to `node_name`.

        SUCCESS once bound; SKIP to let the next Bind plugin do it; ERROR if binding failed
        (e.g. the pod was deleted or already bound: a 409 from the API server).
        """
        ...


@runtime_checkable
class PostBindPlugin(Plugin, Protocol):
    """Told after a successful bind (clean-up, metrics). Cannot fail."""

    def post_bind(self, state: CycleState, pod: Pod, node_name: str) -> None: ...


# --------------------------------------------------------------------------- handle


@runtime_checkable
class WaitingPod(Protocol):
    """A pod held at Permit; plugins find it through `Handle.get_waiting_pod`."""

    pod: Pod

    def pending_plugins(self) -> tuple[str, ...]:
        """Names of the Permit plugins that returned WAIT and have not allowed yet."""
        ...

    def allow(self, plugin_name: str) -> None:
        """Lift `plugin_name`'s hold; the pod binds once every hold is lifted."""
        ...

    def reject(self, plugin_name: str, reason: str) -> None:
        """Reject the pod now (it is unreserved and requeued)."""
        ...


@runtime_checkable
class Handle(Protocol):
    """What the framework gives each plugin at construction: the only door to the world."""

    clock: Clock
    """Time for timeouts and queue bookkeeping (virtual under the simulator)."""
    rng: random.Random
    """Seeded randomness; the only source of randomness a plugin may use."""

    def snapshot(self) -> Snapshot:
        """The snapshot of the current cycle."""
        ...

    def get_waiting_pod(self, uid: str) -> WaitingPod | None:
        """The pod with this uid if it is waiting at Permit."""
        ...

    async def bind_pod(self, pod: Pod, node_name: str) -> None:
        """Post a `Binding` of `pod` to `node_name`; raises on failure (used by Bind plugins)."""
        ...


PluginFactory = Callable[[Mapping[str, object], Handle], Plugin]
"""Builds a plugin from its arguments (the `[scheduler.options.plugin_args.<name>]` table)
and the framework's `Handle`."""


# --------------------------------------------------------------------------- the scheduler


@runtime_checkable
class Scheduler(Protocol):
    """A whole scheduler: what a `kubelab.scheduler` entry point builds.

    Construct with ``factory(clock=..., rng=..., **options)`` (see `SchedulerFactory`).
    """

    name: str
    """The `spec.schedulerName` this scheduler serves (usually DEFAULT_SCHEDULER_NAME)."""

    def schedule_one(self, pod: Pod, snapshot: Snapshot) -> ScheduleResult:
        """Run one scheduling cycle for `pod` against `snapshot` and return the decision.

        Pure: no I/O, no binding, no changes to the snapshot; Reserve/Permit are not run
        (they belong to `run`). Deterministic given the scheduler's seed and its calls so far.
        This is what the conformance kit grades: feasibility (the node really fits), the
        diagnosis of unschedulable pods, and scores where the kit pins a plugin set.
        """
        ...

    async def run(self, client: Client) -> None:
        """Schedule pods in the cluster until cancelled.

        List+watch pods with an empty `spec.nodeName` and this scheduler's name, and nodes;
        for each pending pod run a cycle on a fresh snapshot, then Reserve, Permit, and bind
        through the API server (`pods/binding`). On failure set the pod's `PodScheduled`
        condition to False with reason `Unschedulable` and `ScheduleResult.message(...)`, and
        retry with exponential backoff (1s doubling to 10s) or when the cluster changes.
        Assumed pods count against their node until the bind is observed or fails. Returns
        only by cancellation; a lost watch is re-established, never fatal.
        """
        ...


class SchedulerFactory(Protocol):
    """What `kubelab.scheduler` entry points name: a class or function building a Scheduler.

    `clock` and `rng` are injected by whoever starts the scheduler (`kubelab up`, the
    simulator, a grader); `options` come from `[scheduler.options]` in the cluster config.
    """

    def __call__(self, *, clock: Clock, rng: random.Random, **options: object) -> Scheduler: ...


__all__ = [
    "DEFAULT_SCHEDULER_NAME",
    "MAX_NODE_SCORE",
    "MIN_NODE_SCORE",
    "BindPlugin",
    "Code",
    "CycleState",
    "FilterPlugin",
    "Handle",
    "NodeInfo",
    "NodeScore",
    "PermitPlugin",
    "Plugin",
    "PluginFactory",
    "PostBindPlugin",
    "PostFilterPlugin",
    "PostFilterResult",
    "PreBindPlugin",
    "PreFilterExtensions",
    "PreFilterPlugin",
    "PreFilterResult",
    "PreScorePlugin",
    "QueueSortPlugin",
    "QueuedPodInfo",
    "ReservePlugin",
    "Resources",
    "ScheduleResult",
    "Scheduler",
    "SchedulerFactory",
    "ScoreExtensions",
    "ScorePlugin",
    "Snapshot",
    "StateData",
    "StaticSnapshot",
    "Status",
    "WaitingPod",
]
