"""The NetworkPolicy contract: whether a connection from a source IP may reach a pod port.

A pure engine the proxy driver consults after `Proxy.select_backend` picked a backend: traffic
through the proxy is allowed or refused by the source's pod IP, with Kubernetes'
`networking.k8s.io/v1` NetworkPolicy semantics for **ingress**:

* A pod is **isolated** for ingress when at least one policy in its namespace selects it
  (`spec.podSelector`, ``{}`` selects every pod) and that policy's `policyTypes` include
  ``Ingress`` (unset `policyTypes`: ``Ingress``, plus ``Egress`` when it has egress rules). A
  pod no policy isolates accepts everything; so does an address that is no known pod.
* Traffic to an isolated pod is allowed when **any** ingress rule of **any** policy that
  selects it allows it (the union); nothing else is.
* A rule allows a connection when one of its `ports` matches (none listed: every port) and one
  of its `from` peers matches (none listed: every source):
  * a port matches by protocol (default TCP) and number, or by **name**, resolved against the
    destination pod's container ports; `endPort` makes a range;
  * `podSelector` alone: source pods in the policy's namespace with matching labels;
    `namespaceSelector` alone: every pod in namespaces with matching labels (each namespace
    carries ``kubernetes.io/metadata.name``); both: matching pods in matching namespaces;
  * `ipBlock`: the source IP is in `cidr` and in none of its `except` ranges.
* A source pod is found by its pod IP among running pods (not Succeeded or Failed); a source
  that is no pod can only match `ipBlock` peers and rules without peers.

Egress rules are accepted and kept but not enforced (the proxy sees only the destination side).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from kernel.interfaces.proxy import TransportProtocol
    from kernel.objects import Namespace, NetworkPolicy, Pod


@runtime_checkable
class PolicyEngine(Protocol):
    """Ingress NetworkPolicy decisions. Pure: no sockets, no clock."""

    def sync(
        self,
        policies: Sequence[NetworkPolicy],
        pods: Sequence[Pod],
        namespaces: Sequence[Namespace],
    ) -> None:
        """Replace what the engine knows with these complete sets (level-triggered)."""
        ...

    def allows(
        self, source_ip: str, destination_ip: str, port: int, protocol: TransportProtocol
    ) -> bool:
        """True when a connection from `source_ip` to `destination_ip:port` is allowed."""
        ...


__all__ = ["PolicyEngine"]
