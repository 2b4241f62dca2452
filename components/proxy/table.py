"""The service table from Services and EndpointSlices, per the rules of `kernel.interfaces.proxy`.

Pure and deterministic: the same objects give the same table, whatever their order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from kernel.interfaces.proxy import (
    DEFAULT_AFFINITY_TIMEOUT_SECONDS,
    Backend,
    ServiceEntry,
    SessionAffinity,
    TransportProtocol,
)
from kernel.objects import SERVICE_NAME_LABEL, Endpoint, EndpointSlice, Service


def has_cluster_ip(service: Service) -> bool:
    """True when the Service gets table entries (not headless, not ExternalName)."""
    spec = service.spec
    ip = spec.cluster_ip or ""
    return (spec.type or "ClusterIP") != "ExternalName" and ip not in ("", "None")


def _ready(ep: Endpoint) -> bool:
    c = ep.conditions
    return c is None or c.ready is None or bool(c.ready)


def _serving_terminating(ep: Endpoint) -> bool:
    c = ep.conditions
    if c is None:
        return False
    serving = c.serving if c.serving is not None else _ready(ep)
    return bool(serving) and bool(c.terminating)


def _backend(ep: Endpoint, port: int) -> Backend:
    ref = ep.target_ref
    target = f"{ref.namespace}/{ref.name}" if ref is not None and ref.name else None
    return Backend(ep.addresses[0], port, node_name=ep.node_name, target=target)


def _slices_by_service(
    slices: Iterable[EndpointSlice],
) -> dict[tuple[str, str], list[EndpointSlice]]:
    out: dict[tuple[str, str], list[EndpointSlice]] = {}
    for s in slices:
        owner = (s.metadata.labels or {}).get(SERVICE_NAME_LABEL)
        if owner and (s.address_type or "IPv4") != "FQDN":
            out.setdefault((s.metadata.namespace or "", owner), []).append(s)
    return out


def _backends(
    slices: Sequence[EndpointSlice], port_name: str, protocol: str
) -> tuple[tuple[Backend, ...], bool]:
    """(backends, terminating_fallback) for one service port."""
    ready: set[Backend] = set()
    fallback: set[Backend] = set()
    for s in slices:
        for sp in s.ports:
            if (sp.name or "") != port_name or (sp.protocol or "TCP") != protocol or not sp.port:
                continue
            for ep in s.endpoints:
                if not ep.addresses:
                    continue
                if _ready(ep):
                    ready.add(_backend(ep, sp.port))
                elif _serving_terminating(ep):
                    fallback.add(_backend(ep, sp.port))
    if ready:
        return tuple(sorted(ready)), False
    return tuple(sorted(fallback)), bool(fallback)


def build_table(
    services: Sequence[Service], slices: Sequence[EndpointSlice]
) -> tuple[ServiceEntry, ...]:
    """One entry per (Service, port) with a cluster IP, sorted by key."""
    by_service = _slices_by_service(slices)
    entries: list[ServiceEntry] = []
    for svc in services:
        if not has_cluster_ip(svc):
            continue
        spec, ns, name = svc.spec, svc.metadata.namespace or "", svc.metadata.name or ""
        affinity = cast("SessionAffinity", spec.session_affinity or "None")
        timeout = DEFAULT_AFFINITY_TIMEOUT_SECONDS
        cfg = spec.session_affinity_config
        if cfg is not None and cfg.client_ip is not None and cfg.client_ip.timeout_seconds:
            timeout = cfg.client_ip.timeout_seconds
        node_ports = (spec.type or "ClusterIP") in ("NodePort", "LoadBalancer")
        for port in spec.ports:
            if port.port is None:
                continue
            protocol = cast("TransportProtocol", port.protocol or "TCP")
            backends, fallback = _backends(
                by_service.get((ns, name), []), port.name or "", protocol
            )
            entries.append(
                ServiceEntry(
                    namespace=ns,
                    name=name,
                    port_name=port.name or "",
                    cluster_ip=spec.cluster_ip or "",
                    port=port.port,
                    protocol=protocol,
                    backends=backends,
                    session_affinity=affinity if affinity in ("None", "ClientIP") else "None",
                    affinity_timeout_seconds=timeout,
                    node_port=port.node_port if node_ports and port.node_port else None,
                    terminating_fallback=fallback,
                )
            )
    entries.sort(key=lambda e: (e.key, e.namespace, e.name))
    return tuple(entries)


__all__ = ["build_table", "has_cluster_ip"]
