"""The reference Proxy: round-robin (default), least-connections or seeded random, with affinity.

A pure state machine over the table `build_table` makes: per entry a rotation index, per
(entry, backend) an open-connection count, per (entry, client IP) an affinity (backend, last
seen). `sync` keeps all three for backends that remain, so a change of one Service never
resets another's spread or stickiness.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import attrs

from components.proxy.table import build_table
from kernel.interfaces.proxy import NO_EXCLUSIONS, Backend, ServiceEntry, TransportProtocol

if TYPE_CHECKING:
    from kernel.objects import EndpointSlice, Service

Mode = Literal["round-robin", "least-connections", "random"]
MODES: tuple[str, ...] = ("round-robin", "least-connections", "random")
Key = tuple[str, int, TransportProtocol]


@attrs.frozen
class _Affinity:
    backend: Backend
    last: float


@attrs.define
class ReferenceProxy:
    """kube-proxy's decisions (see `kernel.interfaces.proxy`); `mode` picks the spreading rule."""

    rng: random.Random
    mode: Mode = "round-robin"
    _entries: dict[Key, ServiceEntry] = attrs.field(factory=dict, init=False)
    _node_ports: dict[tuple[int, TransportProtocol], Key] = attrs.field(factory=dict, init=False)
    _next: dict[Key, int] = attrs.field(factory=dict, init=False)
    _open: dict[tuple[Key, Backend], int] = attrs.field(factory=dict, init=False)
    _affinity: dict[tuple[Key, str], _Affinity] = attrs.field(factory=dict, init=False)

    def __attrs_post_init__(self) -> None:
        if self.mode not in MODES:
            modes = ", ".join(MODES)
            raise ValueError(f'[proxy.options] mode "{self.mode}" is not one of: {modes}')

    def sync(self, services: Sequence[Service], slices: Sequence[EndpointSlice]) -> None:
        """Rebuild the table; keep counters and affinities of backends that remain."""
        entries = {e.key: e for e in build_table(services, slices)}
        self._entries = entries
        self._node_ports = {
            (e.node_port, e.protocol): key for key, e in entries.items() if e.node_port
        }
        live = {(key, b) for key, e in entries.items() for b in e.backends}
        self._next = {k: v for k, v in self._next.items() if k in entries}
        self._open = {k: v for k, v in self._open.items() if k in live}
        self._affinity = {k: a for k, a in self._affinity.items() if (k[0], a.backend) in live}

    def table(self) -> tuple[ServiceEntry, ...]:
        """The entries, sorted by key."""
        return tuple(self._entries[k] for k in sorted(self._entries))

    def _entry(
        self, service_ip: str, port: int, protocol: TransportProtocol
    ) -> ServiceEntry | None:
        entry = self._entries.get((service_ip, port, protocol))
        if entry is None:
            key = self._node_ports.get((port, protocol))
            entry = self._entries.get(key) if key is not None else None
        return entry

    def select_backend(  # noqa: PLR0917 - the contract's order
        self,
        service_ip: str,
        port: int,
        protocol: TransportProtocol,
        client_ip: str,
        now: float,
        exclude: frozenset[Backend] = NO_EXCLUSIONS,
    ) -> Backend | None:
        """Affinity first (ClientIP), else the mode's pick among backends not excluded."""
        entry = self._entry(service_ip, port, protocol)
        if entry is None:
            return None
        candidates = [b for b in entry.backends if b not in exclude]
        if not candidates:
            return None
        sticky = entry.session_affinity == "ClientIP"
        if sticky:
            held = self._affinity.get((entry.key, client_ip))
            if (
                held is not None
                and held.backend in candidates
                and now - held.last < entry.affinity_timeout_seconds
            ):
                self._affinity[(entry.key, client_ip)] = _Affinity(held.backend, now)
                return held.backend
        chosen = self._pick(entry, candidates)
        if sticky:
            self._affinity[(entry.key, client_ip)] = _Affinity(chosen, now)
        return chosen

    def _pick(self, entry: ServiceEntry, candidates: list[Backend]) -> Backend:
        if self.mode == "random":
            return candidates[self.rng.randrange(len(candidates))]
        start = self._next.get(entry.key, 0)
        n = len(entry.backends)
        order = [entry.backends[(start + i) % n] for i in range(n)]
        order = [b for b in order if b in candidates]
        if self.mode == "least-connections":
            fewest = min(self._open.get((entry.key, b), 0) for b in order)
            order = [b for b in order if self._open.get((entry.key, b), 0) == fewest]
        chosen = order[0]
        self._next[entry.key] = (entry.backends.index(chosen) + 1) % n
        return chosen

    def connection_opened(
        self, service_ip: str, port: int, protocol: TransportProtocol, backend: Backend
    ) -> None:
        """Count an open connection (least-connections reads the counts)."""
        entry = self._entry(service_ip, port, protocol)
        if entry is not None and backend in entry.backends:
            k = (entry.key, backend)
            self._open[k] = self._open.get(k, 0) + 1

    def connection_closed(
        self, service_ip: str, port: int, protocol: TransportProtocol, backend: Backend
    ) -> None:
        """Uncount a connection; unknown ones (the backend was removed since) are ignored."""
        entry = self._entry(service_ip, port, protocol)
        if entry is None:
            return
        k = (entry.key, backend)
        count = self._open.get(k, 0)
        if count > 1:
            self._open[k] = count - 1
        else:
            self._open.pop(k, None)

    def open_connections(
        self, service_ip: str, port: int, protocol: TransportProtocol
    ) -> dict[Backend, int]:
        """Open connections per backend of one entry (for tests and `kubelab` tools)."""
        entry = self._entry(service_ip, port, protocol)
        if entry is None:
            return {}
        return {b: self._open.get((entry.key, b), 0) for b in entry.backends}


def make_proxy(
    *, env: object = None, rng: random.Random | None = None, mode: str = "round-robin"
) -> ReferenceProxy:
    """The `reference` entry point: ``factory(env=, rng=, mode=...)``."""
    del env  # the decision core uses neither time nor the network
    return ReferenceProxy(rng or random.Random(0), mode)  # type: ignore[arg-type]


__all__ = ["MODES", "Mode", "ReferenceProxy", "make_proxy"]
