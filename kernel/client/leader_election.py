"""Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does.

Every candidate tries, each `retry_period`, to create the Lease or, when it holds it, to renew
its ``renewTime``; a candidate takes over a Lease whose holder has not renewed it for
``leaseDurationSeconds`` (measured on the candidate's own clock from when it last saw the
Lease change, so clocks need not agree). A leader that cannot renew for `renew_deadline`
steps down. Optimistic concurrency on the Lease's resourceVersion means two candidates never
both win one round. Waiting uses trio's clock, so a MockClock runs elections in virtual time.
"""

from __future__ import annotations

from typing import Any

import attrs
import trio

from kernel.api.errors import NotFound, StatusError
from kernel.api.requests import Target
from kernel.client._typed import resource_of
from kernel.client.protocol import Client
from kernel.client.types import APIConnectionError
from kernel.clock import Clock, TrioClock
from kernel.objects import Lease, format_micro_time


@attrs.define
class LeaderElector:
    """One candidate for the Lease `namespace`/`name`; run `run` in a nursery."""

    client: Client
    name: str
    identity: str
    namespace: str = "kube-system"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    clock: Clock = attrs.field(factory=TrioClock)
    """Source of the Lease's acquire and renew timestamps."""
    is_leader: bool = False
    transitions: int = 0
    """How often this candidate became leader."""
    _observed: tuple[str, float] = ("", 0.0)
    """(resourceVersion of the Lease last seen, trio time it was first seen)."""
    _last_renew: float = 0.0

    def _target(self) -> Target:
        return Target(resource_of(Lease), self.namespace, self.name)

    async def run(self) -> None:
        """Campaign and renew until cancelled; `is_leader` tells the current state."""
        try:
            while True:
                await self.try_acquire_or_renew()
                await trio.sleep(self.retry_period)
        finally:
            self.is_leader = False

    async def try_acquire_or_renew(self) -> bool:
        """One round: True when this candidate holds the Lease afterwards."""
        now = trio.current_time()
        try:
            won = await self._round(now)
        except (StatusError, APIConnectionError):  # lost the race, or the server is unreachable
            won = False
        if won:
            if not self.is_leader:
                self.transitions += 1
            self.is_leader = True
            self._last_renew = now
        elif self.is_leader and now - self._last_renew >= self.renew_deadline:
            self.is_leader = False  # missed renewals for renew_deadline: step down
        return self.is_leader

    async def _round(self, now: float) -> bool:
        stamp = format_micro_time(self.clock.now())
        try:
            lease = await self.client.raw.get(self._target())
        except NotFound:
            collection = Target(resource_of(Lease), self.namespace)
            await self.client.raw.create(collection, self._lease(stamp, stamp, 0))
            return True
        spec: dict[str, Any] = lease.get("spec") or {}
        version = str((lease.get("metadata") or {}).get("resourceVersion", ""))
        if version != self._observed[0]:
            self._observed = (version, now)
        holder = spec.get("holderIdentity") or ""
        duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
        if holder and holder != self.identity and now - self._observed[1] < duration:
            self.is_leader = False
            return False
        mine = holder == self.identity
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if mine else 1)
        acquired = spec.get("acquireTime") if mine else stamp
        body = self._lease(str(acquired or stamp), stamp, transitions)
        body["metadata"]["resourceVersion"] = version
        updated = await self.client.raw.update(self._target(), body)
        self._observed = (str(updated["metadata"]["resourceVersion"]), now)
        return True

    def _lease(self, acquired: str, renewed: str, transitions: int) -> dict[str, Any]:
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": int(self.lease_duration),
                "acquireTime": acquired,
                "renewTime": renewed,
                "leaseTransitions": transitions,
            },
        }


__all__ = ["LeaderElector"]
