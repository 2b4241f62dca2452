"""The reference PolicyEngine: ingress NetworkPolicy by source IP (`network_policy` contract).

`sync` indexes pods by IP (running pods only) and policies by namespace; `allows` finds the
destination pod, the policies isolating it, and asks whether any of their ingress rules
admits the source. Pure: values in, a boolean out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import attrs

from kernel.interfaces.proxy import TransportProtocol
from kernel.objects import (
    IntOrString,
    Namespace,
    NetworkPolicy,
    NetworkPolicyIngressRule,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    Pod,
)

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def policy_types(policy: NetworkPolicy) -> tuple[str, ...]:
    """`spec.policyTypes`, or Kubernetes' default: Ingress, plus Egress with egress rules."""
    spec = policy.spec
    if spec.policy_types:
        return tuple(spec.policy_types)
    return ("Ingress", "Egress") if spec.egress else ("Ingress",)


def _ips(pod: Pod) -> list[str]:
    status = pod.status
    ips = [p.ip for p in status.pod_ips if p.ip]
    if status.pod_ip and status.pod_ip not in ips:
        ips.append(status.pod_ip)
    return ips


def _in_block(ip: str, cidr: str | None, excepts: Sequence[str]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
        if cidr is None or addr not in ipaddress.ip_network(cidr, strict=False):
            return False
        return not any(addr in ipaddress.ip_network(e, strict=False) for e in excepts)
    except ValueError:
        return False


@attrs.define
class ReferencePolicyEngine:
    """Ingress NetworkPolicy over the pods, namespaces and policies last given to `sync`."""

    _pods: dict[str, Pod] = attrs.field(factory=dict, init=False)
    _namespaces: dict[str, dict[str, str]] = attrs.field(factory=dict, init=False)
    _policies: dict[str, list[NetworkPolicy]] = attrs.field(factory=dict, init=False)

    def sync(
        self,
        policies: Sequence[NetworkPolicy],
        pods: Sequence[Pod],
        namespaces: Sequence[Namespace],
    ) -> None:
        """Index the complete current sets."""
        self._pods = {}
        for pod in sorted(pods, key=lambda p: (p.metadata.namespace or "", p.metadata.name or "")):
            if pod.status.phase in ("Succeeded", "Failed"):
                continue
            for ip in _ips(pod):
                self._pods.setdefault(ip, pod)
        self._namespaces = {}
        for ns in namespaces:
            name = ns.metadata.name or ""
            self._namespaces[name] = {**(ns.metadata.labels or {}), NAMESPACE_NAME_LABEL: name}
        self._policies = {}
        for policy in policies:
            self._policies.setdefault(policy.metadata.namespace or "", []).append(policy)

    def isolating(self, pod: Pod) -> list[NetworkPolicy]:
        """The policies that select `pod` for ingress."""
        return [
            p
            for p in self._policies.get(pod.metadata.namespace or "", [])
            if "Ingress" in policy_types(p) and p.spec.pod_selector.matches(pod.metadata.labels)
        ]

    def allows(
        self, source_ip: str, destination_ip: str, port: int, protocol: TransportProtocol
    ) -> bool:
        """True unless the destination pod is isolated and no ingress rule admits the source."""
        dest = self._pods.get(destination_ip)
        if dest is None:
            return True
        policies = self.isolating(dest)
        if not policies:
            return True
        return any(
            self._rule_allows(policy, rule, dest, source_ip, port, protocol)
            for policy in policies
            for rule in policy.spec.ingress
        )

    def _rule_allows(  # noqa: PLR0917 - internal
        self,
        policy: NetworkPolicy,
        rule: NetworkPolicyIngressRule,
        dest: Pod,
        source_ip: str,
        port: int,
        protocol: TransportProtocol,
    ) -> bool:
        if rule.ports and not any(_port_matches(p, dest, port, protocol) for p in rule.ports):
            return False
        if not rule.from_:
            return True
        namespace = policy.metadata.namespace or ""
        return any(self._peer_matches(peer, namespace, source_ip) for peer in rule.from_)

    def _peer_matches(self, peer: NetworkPolicyPeer, namespace: str, source_ip: str) -> bool:
        if peer.ip_block is not None:
            return _in_block(source_ip, peer.ip_block.cidr, peer.ip_block.except_)
        source = self._pods.get(source_ip)
        if source is None or (peer.pod_selector is None and peer.namespace_selector is None):
            return False
        source_ns = source.metadata.namespace or ""
        if peer.namespace_selector is None:
            ns_ok = source_ns == namespace
        else:
            labels = self._namespaces.get(source_ns, {NAMESPACE_NAME_LABEL: source_ns})
            ns_ok = peer.namespace_selector.matches(labels)
        pod_ok = peer.pod_selector is None or peer.pod_selector.matches(source.metadata.labels)
        return ns_ok and pod_ok


def _port_matches(
    rule_port: NetworkPolicyPort, dest: Pod, port: int, protocol: TransportProtocol
) -> bool:
    if (rule_port.protocol or "TCP") != protocol:
        return False
    wanted = rule_port.port
    if wanted is None:
        return True
    number = _resolve(wanted, dest, protocol)
    if number is None:
        return False
    if rule_port.end_port is not None and isinstance(wanted.value, int):
        return number <= port <= rule_port.end_port
    return port == number


def _resolve(wanted: IntOrString, dest: Pod, protocol: TransportProtocol) -> int | None:
    """A rule's port as a number: itself, or the destination pod's container port of that name."""
    if isinstance(wanted.value, int):
        return wanted.value
    for container in dest.spec.containers:
        for cp in container.ports:
            if cp.name == wanted.value and (cp.protocol or "TCP") == protocol:
                return cp.container_port
    return None


def make_policy_engine() -> ReferencePolicyEngine:
    """The reference engine (no options)."""
    return ReferencePolicyEngine()


__all__ = ["ReferencePolicyEngine", "make_policy_engine", "policy_types"]
