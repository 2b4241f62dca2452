"""The Proxy contract: kube-proxy's decision logic, from Services and EndpointSlices to one backend.

A Service gives a stable virtual address (`spec.clusterIP` and `spec.ports[].port`) to a
changing set of pods, listed in the Service's EndpointSlices (`discovery.k8s.io/v1`, label
``kubernetes.io/service-name``). On every node a proxy turns connections to that virtual
address into connections to one of the pods. This contract is the part of kube-proxy that
decides; moving bytes is the driver's job. The userspace TCP/UDP proxy
(`components.proxy.driver`, on `Env.net`, so the same code runs on real sockets and on the
simulated network) calls `select_backend` for each new connection and splices it to the
backend; the same kit grades every implementation.

What `sync` builds, the **service table**, one `ServiceEntry` per (Service, service port):

* Only Services with a cluster IP get entries: headless Services (`clusterIP: None`) and
  `type: ExternalName` Services have none (DNS handles them). NodePort and LoadBalancer
  Services are ClusterIP Services too; their entries also carry the port's `nodePort`, so a
  connection to **any node address** at that port (`NODE_PORT_RANGE`, 30000-32767; the driver
  listens on 127.0.0.1) selects like one to the cluster IP.
* A slice belongs to the Service its ``kubernetes.io/service-name`` label names, in the same
  namespace; slices of ``addressType: FQDN`` are ignored. A service port is matched to slice
  ports **by name** (`spec.ports[].name` equals the slice port's `name`; both are "" for a
  Service's single unnamed port) and protocol. A backend is (the endpoint's first address,
  the slice port's `port`): the slice already carries the resolved `targetPort`.
* An endpoint's conditions: `ready` unset means ready; `serving` unset means `ready`;
  `terminating` unset means not terminating. The backends are the **ready** endpoints. When a
  port has no ready endpoint, its backends are the endpoints that are **serving and
  terminating** (kube-proxy's fallback during rollouts: a pod being replaced still answers),
  and the entry says so (`terminating_fallback`). Neither: no backends. Backends are
  deduplicated across slices and sorted by (ip, port), so two proxies given the same objects
  build the same table.
* A slice without a matching Service is ignored; a Service without slices (or with no usable
  endpoint for a port) has an entry with no backends.

What `select_backend` decides, per new connection (TCP) or flow (UDP):

* No entry for (service_ip, port, protocol), nor an entry whose `node_port` is `port` for that
  protocol: None (not a service address; the driver passes the traffic on untouched).
* An entry with no backends (or none outside `exclude`): None as well, and the driver
  **rejects** the connection (TCP RST / ICMP port unreachable, as kube-proxy does), at once.
* `exclude` holds backends the driver already tried for *this* connection and found refusing;
  they are skipped (an endpoint that refuses is skipped and the next tried).
* **Load spreading** (`sessionAffinity: None`): every connection picks independently; the
  choice must spread load so every backend gets a fair share (round-robin, uniformly at
  random from the seeded `random.Random`, or least-connections over the counts that
  `connection_opened`/`connection_closed` report; options choose).
* **Session affinity.** With `sessionAffinity: ClientIP`, the first connection from a client
  IP picks as above, and later connections from the same client IP to the same service port
  (by cluster IP or node port alike) go to the same backend while it is still a backend, not
  excluded, and the client's previous connection to it was less than `timeoutSeconds`
  (`sessionAffinityConfig.clientIP.timeoutSeconds`, default 10800) ago; each connection
  refreshes the timer (iptables `recent --rcheck --update`). A backend removed by a later
  `sync`, or excluded, loses its affinities; the next connection picks anew.

**Cadence and connections (the driver's side of the contract).** The driver calls `sync` at
most once per second after a change (and at least every 30 s), applying a change within 1 s.
A sync never cuts an established TCP connection: it only changes where *new* connections go;
UDP flows to backends no longer in the table are dropped on the next sync. The driver reports
every connection it splices with `connection_opened` and, when either side closes,
`connection_closed` (no-ops for policies that ignore counts).

**Client IP on loopback.** In a real cluster on one machine, a pod that does not bind its
`POD_IP` before connecting appears as 127.0.0.1, so ClientIP affinity and source-based
NetworkPolicy then see every such pod as one client; clients that matter bind their pod IP.

Time enters only as the `now` argument (seconds on any monotonic clock), so every decision is
reproducible: same syncs, same calls, same seed, same answers. NetworkPolicy, which the same
driver enforces after choosing a backend, has its own contract in
`kernel.interfaces.network_policy`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from kernel.env import Env
    from kernel.objects import EndpointSlice, Service

TransportProtocol = Literal["TCP", "UDP", "SCTP"]
"""A Service port's `protocol` (Kubernetes' spelling)."""

SessionAffinity = Literal["None", "ClientIP"]
"""A Service's `spec.sessionAffinity` (Kubernetes' spelling)."""

DEFAULT_AFFINITY_TIMEOUT_SECONDS: int = 10800
"""Kubernetes' default `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours)."""

NODE_PORT_RANGE: tuple[int, int] = (30000, 32767)
"""Kubernetes' default `--service-node-port-range` (both ends included)."""

NO_EXCLUSIONS: frozenset[Backend] = frozenset()
"""`select_backend`'s default `exclude`: nothing tried yet."""


@attrs.frozen(order=True)
class Backend:
    """One place a service port's traffic can go: an endpoint address and port."""

    ip: str
    port: int
    node_name: str | None = attrs.field(default=None, eq=False, order=False)
    """The endpoint's `nodeName`, when the slice says (informational)."""
    target: str | None = attrs.field(default=None, eq=False, order=False)
    """`namespace/name` of the endpoint's `targetRef` pod, when known (informational)."""


@attrs.frozen
class ServiceEntry:
    """The table row for one port of one Service."""

    namespace: str
    name: str
    """The Service's name."""
    port_name: str
    """`spec.ports[].name` ("" for an unnamed port)."""
    cluster_ip: str
    port: int
    """The service port (`spec.ports[].port`) clients connect to."""
    protocol: TransportProtocol
    backends: tuple[Backend, ...]
    """Usable backends, deduplicated, sorted by (ip, port)."""
    session_affinity: SessionAffinity = "None"
    affinity_timeout_seconds: int = DEFAULT_AFFINITY_TIMEOUT_SECONDS
    node_port: int | None = None
    """The port's `nodePort` (NodePort and LoadBalancer Services), else None."""
    terminating_fallback: bool = False
    """True when no endpoint was ready and `backends` are the serving, terminating ones."""

    @property
    def key(self) -> tuple[str, int, TransportProtocol]:
        """(cluster_ip, port, protocol): what `select_backend` looks the entry up by."""
        return (self.cluster_ip, self.port, self.protocol)


@runtime_checkable
class Proxy(Protocol):
    """kube-proxy's decision core. Pure: no sockets, no clock, no global randomness.

    Built with ``factory(env=env, rng=random.Random(seed), **options)`` (see `ProxyFactory`);
    the driver calls `sync` whenever Services or EndpointSlices change, `select_backend` for
    every new connection, and the two `connection_*` hooks around every spliced connection.
    Calls come from one task at a time.
    """

    def sync(self, services: Sequence[Service], slices: Sequence[EndpointSlice]) -> None:
        """Replace the service table with the one these objects describe (see module rules).

        Level-triggered: the arguments are the *complete* current sets, not changes. Called
        with the same objects twice, the second call changes nothing (and keeps affinities).
        Objects the rules ignore (headless, ExternalName, orphan slices) are not errors.
        """
        ...

    def table(self) -> tuple[ServiceEntry, ...]:
        """The current service table, sorted by (cluster_ip, port, protocol)."""
        ...

    def select_backend(  # noqa: PLR0917 - the contract's positional order since v1
        self,
        service_ip: str,
        port: int,
        protocol: TransportProtocol,
        client_ip: str,
        now: float,
        exclude: frozenset[Backend] = NO_EXCLUSIONS,
    ) -> Backend | None:
        """Pick the backend for a new connection from `client_ip` to `service_ip:port`.

        None when the address is not a service port (nor a node port) or the service has no
        backend outside `exclude`. `now` is the connection's time in seconds, used only for
        ClientIP affinity.
        """
        ...

    def connection_opened(
        self, service_ip: str, port: int, protocol: TransportProtocol, backend: Backend
    ) -> None:
        """A connection to (service_ip, port) was spliced to `backend` (least-connections)."""
        ...

    def connection_closed(
        self, service_ip: str, port: int, protocol: TransportProtocol, backend: Backend
    ) -> None:
        """A connection `connection_opened` reported has ended (either side closed)."""
        ...


class ProxyFactory(Protocol):
    """What `kubelab.proxy` entry points name. `options` come from `[proxy.options]`."""

    def __call__(self, *, env: Env, rng: random.Random, **options: object) -> Proxy: ...


__all__ = [
    "DEFAULT_AFFINITY_TIMEOUT_SECONDS",
    "NODE_PORT_RANGE",
    "NO_EXCLUSIONS",
    "Backend",
    "Proxy",
    "ProxyFactory",
    "ServiceEntry",
    "SessionAffinity",
    "TransportProtocol",
]
