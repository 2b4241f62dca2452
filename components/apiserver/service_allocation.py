"""Service cluster IPs and node ports, handed out through the store so none is given twice.

Every address or port in use has its own key, ``/registry/ranges/serviceips/<ip>`` and
``/registry/ranges/servicenodeports/<port>`` (value: the owning Service), claimed in the same
txn that writes the Service with ``create_revision == 0``. Two API servers racing for one
address therefore cannot both win: the loser's txn fails, and it picks again (a dynamic
allocation) or answers 422 (a requested one). Deleting the Service deletes its keys in the
deleting txn, so a crash between the two steps cannot leak an address.

Kubernetes' conventions: the range's network address (and, for IPv4, its broadcast address)
is never handed out; the `kubernetes` Service in ``default`` gets the first address and
`kube-dns` in ``kube-system`` the cluster DNS address (the tenth) unless they ask for one;
dynamic allocation prefers the upper part of the range, leaving the lower band (16 to 256
addresses, 1/16 of the range) for addresses people ask for. ``clusterIP: None`` is headless
(no address); ExternalName services get none. Node ports come from 30000-32767 for
NodePort and LoadBalancer services. An update keeps what the old object was given (PUT without
``clusterIP`` or ``nodePort`` keeps them), claims what is new and frees what is dropped.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import random
from typing import TYPE_CHECKING, Any

import attrs

from components.apiserver.storage import NO_CLAIMS, ClaimLostError, Claims, Obj, store_errors
from kernel.api.errors import Invalid
from kernel.config import ClusterSettings
from kernel.interfaces.store import Compare, DeleteOp, PutOp
from kernel.objects import FieldError, ResourceInfo

if TYPE_CHECKING:
    from components.apiserver.server import APIServer
    from components.apiserver.storage import ResourceKey

IP_PREFIX = b"/registry/ranges/serviceips/"
PORT_PREFIX = b"/registry/ranges/servicenodeports/"
ATTEMPTS = 16
"""Fresh picks tried when racing writers keep taking the address or port just chosen."""
PROBES = 8
"""Random probes before a dynamic pick falls back to listing every taken key."""
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


@attrs.frozen
class ServiceRanges:
    """Where cluster IPs and node ports come from (the API server's share of the cluster config)."""

    service_cidr: str = "127.96.0.0/12"
    dns_ip: str = ""
    """The cluster DNS address `kube-dns` gets; empty: the range's tenth address."""
    node_port_low: int = 30000
    node_port_high: int = 32767

    @classmethod
    def from_settings(cls, cluster: ClusterSettings) -> ServiceRanges:
        """The ranges the `[cluster]` table names."""
        return cls(service_cidr=cluster.service_cidr, dns_ip=cluster.dns_ip)

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        """The service range as a network."""
        return ipaddress.ip_network(self.service_cidr, strict=False)

    def first(self) -> str:
        """The first usable address (the `kubernetes` Service's)."""
        return str(self.network[1])

    def dns(self) -> str:
        """The cluster DNS address (`kube-dns`'s); empty when the range is too small."""
        net = self.network
        return self.dns_ip or (str(net[10]) if net.num_addresses > 11 else "")

    def usable(self) -> tuple[int, int]:
        """[low, high) offsets into the range that may be handed out."""
        net = self.network
        high = net.num_addresses - (1 if net.version == 4 and net.num_addresses > 2 else 0)
        return 1, max(1, high)

    def static_band(self) -> int:
        """Offsets below this are left to requested addresses when the rest has room."""
        size = self.network.num_addresses
        return min(max(16, size // 16), 256)

    def contains(self, ip: str) -> bool:
        """True when `ip` is a usable address of the range."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        net = self.network
        if addr not in net:
            return False
        low, high = self.usable()
        return low <= int(addr) - int(net.network_address) < high


def _invalid(obj: Obj, field: str, value: Any, detail: str) -> Invalid:
    name = (obj.get("metadata") or {}).get("name") or ""
    return Invalid.new("Service", "", name, [FieldError.invalid(field, value, detail)])


def _owner(obj: Obj) -> bytes:
    m = obj.get("metadata") or {}
    return json.dumps({"namespace": m.get("namespace", ""), "name": m.get("name", "")}).encode()


def _wants_ip(obj: Obj) -> bool:
    spec = obj.get("spec") or {}
    return spec.get("type", "ClusterIP") != "ExternalName" and spec.get("clusterIP") != "None"


def _node_ports(obj: Obj) -> list[int]:
    spec = obj.get("spec") or {}
    if spec.get("type") not in NODE_PORT_TYPES:
        return []
    if spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False:
        return []
    return sorted({int(p["nodePort"]) for p in spec.get("ports") or [] if p.get("nodePort")})


def _held(obj: Obj | None) -> tuple[set[str], set[int]]:
    """The addresses and ports a stored Service holds."""
    if obj is None:
        return set(), set()
    spec = obj.get("spec") or {}
    ip = spec.get("clusterIP")
    ips = {ip} if ip and ip != "None" and _wants_ip(obj) else set()
    return ips, set(_node_ports(obj))


def keep_allocated(new: Obj, old: Obj) -> Obj:
    """Copy the old object's address and node ports into an update that leaves them out.

    Kubernetes' patchAllocatedValues: a PUT of a manifest without ``clusterIP`` keeps the
    assigned one rather than failing "field is immutable"; node ports likewise, by port.
    """
    spec, old_spec = new.get("spec"), old.get("spec") or {}
    if not isinstance(spec, dict):
        return new
    _drop_type_dependent(spec, old_spec)
    if (
        _wants_ip(new)
        and _wants_ip(old)
        and not spec.get("clusterIP")
        and old_spec.get("clusterIP")
    ):
        spec["clusterIP"] = old_spec["clusterIP"]
        spec["clusterIPs"] = list(old_spec.get("clusterIPs") or [old_spec["clusterIP"]])
    if spec.get("type") in NODE_PORT_TYPES and old_spec.get("type") in NODE_PORT_TYPES:
        by_key = {
            (p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
            for p in old_spec.get("ports") or []
        }
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and not port.get("nodePort"):
                kept = by_key.get((port.get("port"), port.get("protocol", "TCP")))
                if kept:
                    port["nodePort"] = kept
    return new


def _drop_type_dependent(spec: dict[str, Any], old_spec: dict[str, Any]) -> None:
    """Clear what the new type has no use for, when the request left it as it was.

    Kubernetes' dropTypeDependentFields: patching a NodePort Service to ``type: ClusterIP``
    drops its node ports; patching a ClusterIP Service to ExternalName drops its address.
    """
    old_type, new_type = old_spec.get("type", "ClusterIP"), spec.get("type", "ClusterIP")
    if old_type in NODE_PORT_TYPES and new_type not in NODE_PORT_TYPES:
        old_ports = {p.get("nodePort") for p in old_spec.get("ports") or []}
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and port.get("nodePort") in old_ports:
                port.pop("nodePort")
    if new_type == "ExternalName" and old_type != "ExternalName":
        if spec.get("clusterIP") == old_spec.get("clusterIP"):
            spec.pop("clusterIP", None)
        if spec.get("clusterIPs") == old_spec.get("clusterIPs"):
            spec.pop("clusterIPs", None)


@attrs.define
class _Plan:
    """What one write claims (new keys) and frees (keys no longer held)."""

    compares: list[Compare] = attrs.field(factory=list)
    ops: list[PutOp | DeleteOp] = attrs.field(factory=list)

    def claim(self, key: bytes, owner: bytes) -> None:
        self.compares.append(Compare(key, "create_revision", "=", 0))
        self.ops.append(PutOp(key, owner))

    def free(self, key: bytes) -> None:
        self.ops.append(DeleteOp(key))

    def claims(self) -> Claims:
        return Claims(tuple(self.compares), tuple(self.ops))


async def _taken(server: APIServer, key: bytes) -> bool:
    with store_errors():
        return bool((await server.storage.store.range(key, count_only=True)).count)


async def _all_taken(server: APIServer, prefix: bytes) -> set[bytes]:
    end = prefix[:-1] + bytes([prefix[-1] + 1])
    taken: set[bytes] = set()
    start = prefix
    while True:
        with store_errors():
            res = await server.storage.store.range(start, end, limit=1000, keys_only=True)
        taken.update(kv.key[len(prefix) :] for kv in res.kvs)
        if not res.more or not res.kvs:
            return taken
        start = res.kvs[-1].key + b"\0"


async def _pick(  # noqa: PLR0917 - internal
    server: APIServer,
    prefix: bytes,
    low: int,
    high: int,
    preferred_low: int,
    render: Any,
    avoid: set[str],
) -> str | None:
    """A free value in [low, high), preferring [preferred_low, high); None when full."""
    rng: random.Random = server.rng
    if preferred_low < high:
        for _ in range(PROBES):
            value = render(rng.randrange(preferred_low, high))
            if value not in avoid and not await _taken(server, prefix + value.encode()):
                return value
    taken = {k.decode() for k in await _all_taken(server, prefix)} | avoid
    for band_low, band_high in ((preferred_low, high), (low, preferred_low)):
        size = band_high - band_low
        if size <= 0:
            continue
        start = rng.randrange(size)
        for i in range(size):
            value = render(band_low + (start + i) % size)
            if value not in taken:
                return value
    return None


async def _plan_ip(server: APIServer, obj: Obj, plan: _Plan, held: set[str]) -> None:
    spec = obj.setdefault("spec", {})
    ranges: ServiceRanges = server.service_ranges
    m = obj.get("metadata") or {}
    if spec.get("clusterIP") == "None":
        spec["clusterIPs"] = ["None"]
        return
    if not _wants_ip(obj):
        return
    ip = spec.get("clusterIP") or ""
    if not ip:
        ip = (spec.get("clusterIPs") or [""])[0]
    if not ip:
        defaults = {
            ("default", "kubernetes"): ranges.first(),
            ("kube-system", "kube-dns"): ranges.dns(),
        }
        ip = defaults.get((m.get("namespace"), m.get("name")), "")
        if ip and await _taken(server, IP_PREFIX + ip.encode()):
            ip = ""
    if ip and ip not in held:
        if not ranges.contains(ip):
            raise _invalid(
                obj,
                "spec.clusterIP",
                ip,
                "provided IP is not in the valid range. The range of valid IPs is "
                f"{ranges.service_cidr}",
            )
        if await _taken(server, IP_PREFIX + ip.encode()):
            raise _invalid(obj, "spec.clusterIP", ip, "provided IP is already allocated")
    if not ip:
        net = ranges.network
        low, high = ranges.usable()
        base = int(net.network_address)
        picked = await _pick(
            server,
            IP_PREFIX,
            low,
            high,
            min(ranges.static_band(), high - 1),
            lambda off: str(ipaddress.ip_address(base + off)),
            set(),
        )
        if picked is None:
            raise _invalid(
                obj, "spec.clusterIP", "", f"the service range {ranges.service_cidr} is full"
            )
        ip = picked
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]
    if ip not in held:
        plan.claim(IP_PREFIX + ip.encode(), _owner(obj))


async def _plan_ports(server: APIServer, obj: Obj, plan: _Plan, held: set[int]) -> set[int]:
    spec = obj.get("spec") or {}
    ranges: ServiceRanges = server.service_ranges
    if not _node_ports(obj) and spec.get("type") not in NODE_PORT_TYPES:
        return set()
    if spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False:
        return set(_node_ports(obj))
    used: set[int] = set()
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    for i, port in enumerate(ports):
        wanted = port.get("nodePort")
        if wanted and wanted not in used and wanted not in held:
            field = f"spec.ports[{i}].nodePort"
            if not ranges.node_port_low <= int(wanted) <= ranges.node_port_high:
                raise _invalid(
                    obj,
                    field,
                    wanted,
                    "provided port is not in the valid range. The range of valid ports is "
                    f"{ranges.node_port_low}-{ranges.node_port_high}",
                )
            if await _taken(server, PORT_PREFIX + str(wanted).encode()):
                raise _invalid(obj, field, wanted, "provided port is already allocated")
            plan.claim(PORT_PREFIX + str(wanted).encode(), _owner(obj))
        if wanted:
            used.add(int(wanted))
    for i, port in enumerate(ports):
        if port.get("nodePort"):
            continue
        picked = await _pick(
            server,
            PORT_PREFIX,
            ranges.node_port_low,
            ranges.node_port_high + 1,
            ranges.node_port_low,
            str,
            {str(p) for p in used | held},
        )
        if picked is None:
            raise _invalid(obj, f"spec.ports[{i}].nodePort", 0, "the node port range is full")
        port["nodePort"] = int(picked)
        used.add(int(picked))
        plan.claim(PORT_PREFIX + picked.encode(), _owner(obj))
    return used


async def plan(server: APIServer, info: ResourceInfo, obj: Obj, old: Obj | None) -> Claims:
    """Fill in `obj`'s address and node ports (mutating it) and what the write must claim."""
    if info.plural != "services":
        return NO_CLAIMS
    held_ips, held_ports = _held(old)
    out = _Plan()
    await _plan_ip(server, obj, out, held_ips)
    ports = await _plan_ports(server, obj, out, held_ports)
    ips_now, _ = _held(obj)
    for ip in sorted(held_ips - ips_now):
        out.free(IP_PREFIX + ip.encode())
    for port in sorted(held_ports - ports):
        out.free(PORT_PREFIX + str(port).encode())
    return out.claims()


def release(info: ResourceInfo, last: Obj) -> Claims:
    """The keys a deleted Service frees (in its deleting txn)."""
    if info.plural != "services":
        return NO_CLAIMS
    out = _Plan()
    ips, ports = _held(last)
    for ip in sorted(ips):
        out.free(IP_PREFIX + ip.encode())
    for port in sorted(ports):
        out.free(PORT_PREFIX + str(port).encode())
    return out.claims()


async def create_claiming(  # noqa: PLR0917 - internal, one caller
    server: APIServer,
    info: ResourceInfo,
    rk: ResourceKey,
    namespace: str,
    name: str,
    obj: Obj,
    *,
    dry_run: bool = False,
) -> Obj:
    """Create `obj` with its addresses, picking again when a racing writer took one."""
    for _ in range(ATTEMPTS):
        filled = copy.deepcopy(obj)
        claims = await plan(server, info, filled, None)
        if dry_run:
            return filled
        try:
            return await server.storage.create(rk, namespace, name, filled, claims)
        except ClaimLostError:
            continue
    raise _invalid(obj, "spec.clusterIP", "", "no free address could be claimed; retry")


def kubernetes_service() -> Obj:
    """The `kubernetes` Service every cluster has in ``default`` (the API server's address)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            "sessionAffinity": "None",
        },
    }


__all__ = [
    "IP_PREFIX",
    "PORT_PREFIX",
    "ServiceRanges",
    "create_claiming",
    "keep_allocated",
    "kubernetes_service",
    "plan",
    "release",
]
