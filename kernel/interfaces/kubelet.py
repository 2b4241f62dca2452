"""The Kubelet contract and its ContainerRuntime: the node agent and what it drives.

**ContainerRuntime** is modelled loosely on Kubernetes' CRI (Container Runtime Interface). A
pod runs in a *sandbox* (the pod's shared context: its IP, hostname, network namespace in real
Kubernetes; in kubelab's process runtime, a directory and an address; in the simulator, a
record); containers are created in a sandbox, started, stopped and removed. Every method is
a coroutine. Two implementations are planned: a real-process runtime (`kubelab up`: a
container's image names a program, its command runs as a child process) and the simulator's
(containers are virtual processes with scripted lifetimes). Rules:

* **Ids.** `run_pod_sandbox` and `create_container` return new opaque ids, unique for the
  runtime's lifetime. Every method taking an id raises `NotFoundError` for an unknown id,
  except the idempotent ones below.
* **Container lifecycle.** CREATED -> RUNNING -> EXITED, never backwards. `start_container` on
  a container not CREATED raises `InvalidStateError`. A container whose process ends on its own
  is EXITED with the process's exit code; one killed by signal N has exit code 128 + N.
* **Stopping.** `stop_container(id, timeout)` asks the container to stop (SIGTERM), waits up
  to `timeout` seconds, then kills it (SIGKILL, exit code 137). Stopping a container that is not
  running is not an error. `stop_pod_sandbox` stops every container in the sandbox the same way
  (with the timeout given) and releases the sandbox's address; it is idempotent, and so are
  `remove_pod_sandbox` and `remove_container` (removing something already gone is not an error).
  `remove_pod_sandbox` force-removes the sandbox's containers; removing a running container
  raises `InvalidStateError`.
* **Status.** `container_status` reports times on the runtime's clock (seconds), the exit code
  and a `reason` in Kubernetes' words: "Completed" (exit 0), "Error" (non-zero),
  "OOMKilled", "ContainerCannotRun" (could not start: e.g. the program does not exist).
* **Logs.** Whatever the container wrote to stdout and stderr, interleaved in arrival order,
  kept after it exits until it is removed.

**Kubelet** is the node agent. It registers its Node, keeps the node's Lease renewed
(heartbeat), watches the pods bound to its node through the API server, makes the runtime match
them, and reports pod status back. It never talks to the store and never reads another part's
internals: the API server and the runtime are its whole world.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from kernel.client import Client
    from kernel.clock import Clock
    from kernel.objects import Pod, PodStatus

# --------------------------------------------------------------------------- runtime values


class SandboxState(enum.Enum):
    """A pod sandbox is READY from `run_pod_sandbox` until `stop_pod_sandbox`."""

    READY = "SANDBOX_READY"
    NOTREADY = "SANDBOX_NOTREADY"


class ContainerState(enum.Enum):
    """Where a container is in its one-way lifecycle (CRI's states)."""

    CREATED = "CONTAINER_CREATED"
    RUNNING = "CONTAINER_RUNNING"
    EXITED = "CONTAINER_EXITED"
    UNKNOWN = "CONTAINER_UNKNOWN"
    """The runtime lost track (e.g. after its own restart); the kubelet treats it as exited."""


@attrs.frozen
class PodSandboxConfig:
    """What the kubelet asks for when it starts a pod."""

    name: str
    """The pod's `metadata.name`."""
    namespace: str
    uid: str
    attempt: int = 0
    """How many sandboxes this pod had before (0 for the first)."""
    hostname: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    dns_servers: tuple[str, ...] = ()
    dns_searches: tuple[str, ...] = ()
    """The pod's resolv.conf: `<ns>.svc.<zone> svc.<zone> <zone>` under dnsPolicy ClusterFirst."""


@attrs.frozen
class ContainerConfig:
    """One container to create, from the pod's `spec.containers[i]`."""

    name: str
    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = attrs.field(factory=dict)
    working_dir: str = ""
    attempt: int = 0
    """Restart count of this container in this pod (0 for the first run)."""
    milli_cpu_limit: int = 0
    """CPU limit in millicores, 0 for none (runtimes may ignore limits)."""
    memory_limit: int = 0
    """Memory limit in bytes, 0 for none; a runtime that enforces it reports OOMKilled."""


@attrs.frozen
class PodSandboxStatus:
    """A sandbox as the runtime sees it."""

    id: str
    name: str
    namespace: str
    uid: str
    attempt: int
    state: SandboxState
    ip: str
    """The pod IP (from the cluster's pod CIDR), "" once stopped."""
    created_at: float


@attrs.frozen
class ContainerStatus:
    """A container as the runtime sees it."""

    id: str
    sandbox_id: str
    name: str
    image: str
    attempt: int
    state: ContainerState
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    """Set once EXITED: the process's exit status, or 128 + signal number."""
    reason: str = ""
    """"Completed", "Error", "OOMKilled", "ContainerCannotRun", or "" while not exited."""
    message: str = ""


# --------------------------------------------------------------------------- runtime errors


class ContainerRuntimeError(Exception):
    """Base of the runtime's errors."""


class NotFoundError(ContainerRuntimeError):
    """No sandbox or container has this id (or it was removed)."""


class InvalidStateError(ContainerRuntimeError):
    """The operation is not allowed in the container's or sandbox's current state."""


# --------------------------------------------------------------------------- runtime


@runtime_checkable
class ContainerRuntime(Protocol):
    """Runs pod sandboxes and their containers. See the module docstring for the rules."""

    async def run_pod_sandbox(self, config: PodSandboxConfig) -> str:
        """Create and start a sandbox (allocating the pod IP); return its id."""
        ...

    async def stop_pod_sandbox(self, sandbox_id: str, timeout: float = 30.0) -> None:
        """Stop every container in the sandbox (grace `timeout` seconds each), release its IP."""
        ...

    async def remove_pod_sandbox(self, sandbox_id: str) -> None:
        """Remove the sandbox and all its containers, stopping them first if needed."""
        ...

    async def pod_sandbox_status(self, sandbox_id: str) -> PodSandboxStatus:
        """The sandbox's current status."""
        ...

    async def list_pod_sandboxes(self) -> Sequence[PodSandboxStatus]:
        """Every sandbox not yet removed, in creation order."""
        ...

    async def create_container(self, sandbox_id: str, config: ContainerConfig) -> str:
        """Create (but do not start) a container in a READY sandbox; return its id."""
        ...

    async def start_container(self, container_id: str) -> None:
        """Start a CREATED container.

        If it cannot run, it goes straight to EXITED with reason "ContainerCannotRun" (and a
        message saying why) rather than raising.
        """
        ...

    async def stop_container(self, container_id: str, timeout: float) -> None:
        """SIGTERM, wait up to `timeout` seconds, then SIGKILL; returns once it has EXITED."""
        ...

    async def remove_container(self, container_id: str) -> None:
        """Forget a container that is not running (and its logs)."""
        ...

    async def container_status(self, container_id: str) -> ContainerStatus:
        """The container's current status."""
        ...

    async def list_containers(self, sandbox_id: str | None = None) -> Sequence[ContainerStatus]:
        """Containers not yet removed (of one sandbox, or all), in creation order."""
        ...

    async def container_logs(self, container_id: str, tail_lines: int | None = None) -> bytes:
        """The container's output so far (only the last `tail_lines` lines if given)."""
        ...


class RuntimeFactory(Protocol):
    """What `kubelab.runtime` entry points name: options in, a running runtime out.

    ``async with factory(clock=clock, **options) as runtime:`` owns the runtime's background
    work (child processes, timers); leaving the block stops every container it started.
    """

    def __call__(
        self, *, clock: Clock, **options: object
    ) -> AbstractAsyncContextManager[ContainerRuntime]: ...


# --------------------------------------------------------------------------- kubelet

NODE_LEASE_NAMESPACE: str = "kube-node-lease"
"""Namespace of the per-node heartbeat Leases (`kube-node-lease/<node name>`)."""

DEFAULT_LEASE_DURATION_SECONDS: int = 40
"""The node Lease's `spec.leaseDurationSeconds` (Kubernetes' default)."""

DEFAULT_LEASE_RENEW_INTERVAL: float = 10.0
"""Seconds between Lease renewals (a quarter of the lease duration, as Kubernetes does)."""


@runtime_checkable
class Kubelet(Protocol):
    """The node agent for one node. Built with ``factory(node_name=..., runtime=..., clock=...)``.

    What graders check, in the order a node comes up:

    1. `register` creates the Node (or updates it after a restart) with capacity and
       allocatable (`cpu`, `memory`, `pods`), `status.addresses` and a `Ready` condition.
    2. `heartbeat` renews the Lease `kube-node-lease/<node_name>`: `holderIdentity` is the
       node name, `leaseDurationSeconds` 40, `renewTime` now. The node-lifecycle controller
       marks a node whose lease is not renewed within its duration NotReady.
    3. `sync_pod` makes the runtime match one pod and returns the observed status:
       start the sandbox and containers of a new pod; restart exited containers according to
       `restartPolicy` (Always; OnFailure when exit code != 0; Never) with a back-off of 10s
       doubling to 300s (`CrashLoopBackOff` as the waiting reason meanwhile); when the pod has
       a `deletionTimestamp`, stop its containers with `terminationGracePeriodSeconds`.
       Phase: Pending until every container has started, Running while any runs or restarts,
       Succeeded when all exited 0 and none will restart, Failed when all exited and one
       failed for good. `podIP` comes from the sandbox; `containerStatuses` carry
       `restartCount`, `state` (waiting/running/terminated with exitCode and reason), `ready`.
    4. `run` does all of this forever: register, heartbeat every 10 seconds, list+watch pods
       with `spec.nodeName == node_name`, call `sync_pod` on every change and periodically,
       write `status` back through the API server (only when it changed), and once a deleted
       pod's containers are gone, delete it for good (a zero-grace delete). Containers of pods
       that no longer exist in the API are stopped and removed.
    """

    node_name: str

    async def register(self, client: Client) -> None:
        """Create or update this node's Node object; retry until the API server accepts it."""
        ...

    async def heartbeat(self, client: Client) -> None:
        """Renew (or create) this node's Lease once."""
        ...

    async def sync_pod(self, pod: Pod) -> PodStatus:
        """Drive the runtime one step toward `pod`'s spec; return the status observed after.

        Idempotent and level-triggered: calling it again with the same pod only restarts what
        the restart policy says to restart. Never raises for a problem of the pod itself (a
        missing program, a crashing container): that is reported in the status.
        """
        ...

    async def run(self, client: Client) -> None:
        """Run the agent until cancelled (see the class docstring).

        A lost watch or an unreachable API server is retried with back-off, never fatal.
        """
        ...


class KubeletFactory(Protocol):
    """What `kubelab.kubelet` entry points name; `options` come from `[kubelet.options]`."""

    def __call__(
        self, *, node_name: str, runtime: ContainerRuntime, clock: Clock, **options: object
    ) -> Kubelet: ...


__all__ = [
    "DEFAULT_LEASE_DURATION_SECONDS",
    "DEFAULT_LEASE_RENEW_INTERVAL",
    "NODE_LEASE_NAMESPACE",
    "ContainerConfig",
    "ContainerRuntime",
    "ContainerRuntimeError",
    "ContainerState",
    "ContainerStatus",
    "InvalidStateError",
    "Kubelet",
    "KubeletFactory",
    "NotFoundError",
    "PodSandboxConfig",
    "PodSandboxStatus",
    "RuntimeFactory",
    "SandboxState",
]
