"""Small builders of Services, EndpointSlices, pods and policies for the proxy tests."""

from __future__ import annotations

from typing import Any

from kernel.objects import EndpointSlice, Namespace, NetworkPolicy, Pod, Service, from_dict


def service(
    name: str,
    ip: str,
    ports: list[dict[str, Any]] | None = None,
    *,
    ns: str = "default",
    affinity: str = "None",
    timeout: int | None = None,
    type_: str = "ClusterIP",
) -> Service:
    spec: dict[str, Any] = {
        "type": type_,
        "clusterIP": ip,
        "ports": ports if ports is not None else [{"port": 80, "protocol": "TCP"}],
        "sessionAffinity": affinity,
    }
    if timeout is not None:
        spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": timeout}}
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}}
    return from_dict({**body, "spec": spec})  # type: ignore[return-value]


def endpoint(
    ip: str,
    *,
    ready: bool | None = True,
    serving: bool | None = None,
    terminating: bool | None = None,
    pod: str = "",
) -> dict[str, Any]:
    conditions = {
        k: v
        for k, v in (("ready", ready), ("serving", serving), ("terminating", terminating))
        if v is not None
    }
    out: dict[str, Any] = {"addresses": [ip], "conditions": conditions}
    if pod:
        out["targetRef"] = {"kind": "Pod", "namespace": "default", "name": pod}
    return out


def slice_(
    service_name: str,
    endpoints: list[dict[str, Any]],
    ports: list[dict[str, Any]] | None = None,
    *,
    ns: str = "default",
    name: str = "",
    address_type: str = "IPv4",
) -> EndpointSlice:
    body = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name or f"{service_name}-abc",
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": service_name},
        },
        "addressType": address_type,
        "endpoints": endpoints,
        "ports": ports if ports is not None else [{"name": "", "port": 8080, "protocol": "TCP"}],
    }
    return from_dict(body)  # type: ignore[return-value]


def pod(
    name: str,
    ip: str,
    labels: dict[str, str] | None = None,
    *,
    ns: str = "default",
    ports: list[dict[str, Any]] | None = None,
    phase: str = "Running",
) -> Pod:
    return from_dict(
        {  # type: ignore[return-value]
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"containers": [{"name": "c", "image": "x", "ports": ports or []}]},
            "status": {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}]},
        }
    )


def namespace(name: str, labels: dict[str, str] | None = None) -> Namespace:
    return from_dict(
        {  # type: ignore[return-value]
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": labels or {}},
        }
    )


def policy(name: str, spec: dict[str, Any], *, ns: str = "default") -> NetworkPolicy:
    return from_dict(
        {  # type: ignore[return-value]
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns},
            "spec": spec,
        }
    )
