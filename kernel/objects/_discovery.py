"""EndpointSlices (discovery.k8s.io/v1): a Service's endpoints with their conditions.

Unlike Endpoints v1, each endpoint carries ``ready``, ``serving`` and ``terminating``, so a
proxy can fall back to serving-but-terminating pods while a rollout replaces every ready one.
A slice names its Service in the ``kubernetes.io/service-name`` label.
"""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import ClassVar

import attrs

from ._meta import KubeObject, ObjectReference
from ._schema import many, mapping, opt

__all__ = [
    "SERVICE_NAME_LABEL",
    "Endpoint",
    "EndpointConditions",
    "EndpointHints",
    "EndpointSlice",
    "EndpointSlicePort",
    "ForZone",
]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
"""The label naming the Service a slice belongs to."""


@attrs.frozen(kw_only=True)
class EndpointConditions:
    """An endpoint's state; an unset `ready` means ready, unset `serving` follows `ready`."""

    ready: bool | None = opt()
    serving: bool | None = opt()
    terminating: bool | None = opt()


@attrs.frozen(kw_only=True)
class ForZone:
    """A zone a hint says should use this endpoint."""

    name: str | None = opt()


@attrs.frozen(kw_only=True)
class EndpointHints:
    """Topology hints."""

    for_zones: tuple[ForZone, ...] = many()


@attrs.frozen(kw_only=True)
class Endpoint:
    """One backend: its addresses (one per family), conditions and where it runs."""

    addresses: tuple[str, ...] = many()
    conditions: EndpointConditions | None = opt()
    hostname: str | None = opt()
    target_ref: ObjectReference | None = opt()
    node_name: str | None = opt()
    zone: str | None = opt()
    hints: EndpointHints | None = opt()
    deprecated_topology: dict[str, str] = mapping()


@attrs.frozen(kw_only=True)
class EndpointSlicePort:
    """A port every endpoint of the slice listens on (the resolved targetPort)."""

    name: str | None = opt()
    protocol: str | None = opt()
    port: int | None = opt()
    app_protocol: str | None = opt()


@attrs.frozen(kw_only=True)
class EndpointSlice(KubeObject):
    """A slice of a Service's endpoints (the endpointslice controller keeps them)."""

    KIND: ClassVar[str] = "EndpointSlice"
    API_VERSION: ClassVar[str] = "discovery.k8s.io/v1"

    address_type: str | None = opt()
    """IPv4, IPv6 or FQDN."""
    endpoints: tuple[Endpoint, ...] = many()
    ports: tuple[EndpointSlicePort, ...] = many()
