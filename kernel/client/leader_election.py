"""Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does.

Every candidate tries, each `retry_period`, to create the Lease or, when it holds it, to renew
its ``renewTime``; a candidate takes over a Lease whose holder has not renewed it for
``leaseDurationSeconds`` (measured on the candidate's own clock from when it last saw the
Lease change, so clocks need not agree). A leader that cannot renew for `renew_deadline`
steps down, then at the latest: a renewal still hanging at that moment (a partition, a paused
server) is abandoned, so with ``renew_deadline < lease_duration`` the old leader has stepped
down before any other candidate can take the Lease. Optimistic concurrency on the Lease's
resourceVersion means two candidates never both win one round. Waits and elapsed times run on
the injected `timers` (``EnvTimers(env)`` in a component; trio's clock by default), so an
election runs in virtual time in the simulator and honours its pauses.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import trio

from kernel.api.errors import NotFound, StatusError
from kernel.api.requests import Target
from kernel.client._typed import resource_of
from kernel.client.protocol import Client
from kernel.client.types import APIConnectionError
from kernel.clock import TRIO_TIMERS, Clock, Timers, TrioClock
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
    timers: Timers = TRIO_TIMERS
    """What retries wait on and elapsed times are measured with (``EnvTimers(env)``)."""
    is_leader: bool = False
    transitions: int = 0
    """How often this candidate became leader."""
    _observed: tuple[str, float] = ("", 0.0)
    """(resourceVersion of the Lease last seen, `timers` time it was first seen)."""
    _last_renew: float = 0.0

    def _target(self) -> Target:
        return Target(resource_of(Lease), self.namespace, self.name)

    async def run(self) -> None:
        """Campaign and renew until cancelled; `is_leader` tells the current state."""
        try:
            while True:
                await self.try_acquire_or_renew()
                await self.timers.sleep(self.retry_period)
        finally:
            self.is_leader = False

    async def try_acquire_or_renew(self) -> bool:
        """One round: True when this candidate holds the Lease afterwards."""
        now = self.timers.now()
        won = False
        # a leader's round may not outlast its renew deadline: then it steps down on time
        left = self._last_renew + self.renew_deadline - now if self.is_leader else math.inf
        with trio.move_on_after(max(0.0, left)) as deadline:
            try:
                won = await self._round(now)
            except (StatusError, APIConnectionError):  # lost the race, or unreachable
                won = False
        if won and not deadline.cancelled_caught:
            if not self.is_leader:
                self.transitions += 1
            self.is_leader = True
            self._last_renew = now
        elif self.is_leader and (
            deadline.cancelled_caught or self.timers.now() - self._last_renew >= self.renew_deadline
        ):
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
