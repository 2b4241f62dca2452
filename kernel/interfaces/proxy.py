"""The Proxy contract: kube-proxy's decision logic, from Services and Endpoints to one backend.

A Service gives a stable virtual address (`spec.clusterIP` and `spec.ports[].port`) to a
changing set of pods, listed in the Service's Endpoints object. On every node a proxy turns
connections to that virtual address into connections to one of the pods. This contract is the
part of kube-proxy that decides; moving bytes is the driver's job. A userspace TCP proxy (which
accepts a connection, calls `select_backend`, and splices it to the backend) and the
simulator's packet-level model implement the same protocol, and the same kit grades both.

What `sync` builds, the **service table**, one `ServiceEntry` per (Service, service port):

* Only Services with a cluster IP get entries: headless Services (`clusterIP: None`) and
  `type: ExternalName` Services have none (DNS handles them). A Service of type NodePort or
  LoadBalancer is also a ClusterIP Service and gets its ClusterIP entries.
* A service port is matched to endpoint ports **by name** (`spec.ports[].name` equals
  `subsets[].ports[].name`; both are "" for a Service's single unnamed port) and protocol. A
  backend is (address `ip`, the endpoint port's `port`): the Endpoints object already carries
  the resolved `targetPort`.
* Only **ready** addresses (`subsets[].addresses`) are backends; `notReadyAddresses` are not
  (unless the Service sets `spec.publishNotReadyAddresses: true`). Backends are deduplicated
  and sorted by (ip, port), so two proxies given the same objects build the same table.
* An Endpoints object without a matching Service is ignored; a Service without Endpoints (or
  with no ready address for a port) has an entry with no backends.

What `select_backend` decides, per new connection (TCP) or flow (UDP):

* No entry for (service_ip, port, protocol): None (not a service address; the driver passes the
  traffic through untouched).
* An entry with no backends: None as well, and the driver **rejects** the connection (TCP RST /
  ICMP port unreachable, as kube-proxy does), never holds it open.
* **Session affinity.** With `sessionAffinity: None` (default) each connection picks a backend
  independently: uniformly at random from the seeded `random.Random` the proxy was built with,
  or round-robin; either must spread load so every backend gets a fair share. With
  `sessionAffinity: ClientIP`, the first connection from a client IP picks as above, and later
  connections from the same client IP to the same service port go to the same backend while
  it is still a backend and the client's previous connection to it was less than
  `timeoutSeconds` (`sessionAffinityConfig.clientIP.timeoutSeconds`, default 10800) ago; each
  connection refreshes the timer (iptables `recent --rcheck --update`). A backend removed by a
  later `sync` loses its affinities; the next connection picks anew.

Time enters only as the `now` argument (seconds on any monotonic clock), so every decision is
reproducible: same syncs, same calls, same seed, same answers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from kernel.objects import Endpoints, Service

TransportProtocol = Literal["TCP", "UDP", "SCTP"]
"""A Service port's `protocol` (Kubernetes' spelling)."""

SessionAffinity = Literal["None", "ClientIP"]
"""A Service's `spec.sessionAffinity` (Kubernetes' spelling)."""

DEFAULT_AFFINITY_TIMEOUT_SECONDS: int = 10800
"""Kubernetes' default `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours)."""


@attrs.frozen(order=True)
class Backend:
    """One place a service port's traffic can go: a ready endpoint address and port."""

    ip: str
    port: int
    node_name: str | None = attrs.field(default=None, eq=False, order=False)
    """The endpoint's `nodeName`, when the Endpoints object says (informational)."""
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
    """Ready backends, deduplicated, sorted by (ip, port)."""
    session_affinity: SessionAffinity = "None"
    affinity_timeout_seconds: int = DEFAULT_AFFINITY_TIMEOUT_SECONDS

    @property
    def key(self) -> tuple[str, int, TransportProtocol]:
        """(cluster_ip, port, protocol): what `select_backend` looks the entry up by."""
        return (self.cluster_ip, self.port, self.protocol)


@runtime_checkable
class Proxy(Protocol):
    """kube-proxy's decision core. Pure: no sockets, no clock, no global randomness.

    Built with ``factory(rng=random.Random(seed), **options)`` (see `ProxyFactory`); the driver
    calls `sync` whenever Services or Endpoints change (and periodically), and `select_backend`
    for every new connection. Calls come from one task at a time.
    """

    def sync(self, services: Sequence[Service], endpoints: Sequence[Endpoints]) -> None:
        """Replace the service table with the one these objects describe (see module rules).

        Level-triggered: the arguments are the *complete* current sets, not changes. Called
        with the same objects twice, the second call changes nothing (and keeps affinities).
        Objects the rules ignore (headless, ExternalName, orphan Endpoints) are not errors.
        """
        ...

    def table(self) -> tuple[ServiceEntry, ...]:
        """The current service table, sorted by (cluster_ip, port, protocol)."""
        ...

    def select_backend(
        self,
        service_ip: str,
        port: int,
        protocol: TransportProtocol,
        client_ip: str,
        now: float,
    ) -> Backend | None:
        """Pick the backend for a new connection from `client_ip` to `service_ip:port`.

        None when the address is not a service port or the service has no ready backend.
        `now` is the connection's time in seconds, used only for ClientIP affinity.
        """
        ...


class ProxyFactory(Protocol):
    """What `kubelab.proxy` entry points name. `options` come from `[proxy.options]`."""

    def __call__(self, *, rng: random.Random, **options: object) -> Proxy: ...


__all__ = [
    "DEFAULT_AFFINITY_TIMEOUT_SECONDS",
    "Backend",
    "Proxy",
    "ProxyFactory",
    "ServiceEntry",
    "SessionAffinity",
    "TransportProtocol",
]
