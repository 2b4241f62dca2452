"""The memory store's lease table: TTLs, deadlines on an injected clock, attached keys.

Deadlines sit in a heap with lazy invalidation (a keepalive pushes a new entry; stale ones are
dropped when they reach the top), so finding what has expired is O(log n) per lease even with
thousands of node leases renewed every few seconds.
"""

from __future__ import annotations

import heapq
import math

import attrs


@attrs.define
class Lease:
    """One live lease."""

    id: int
    ttl: int
    """Granted TTL in seconds."""
    deadline: float
    """Clock reading after which the lease is expired."""
    keys: dict[bytes, None] = attrs.field(factory=dict)
    """Keys attached to the lease (a dict used as an insertion-ordered set)."""


@attrs.define
class LeaseTable:
    """Live leases by id, plus a heap of deadlines to find expired ones quickly."""

    _leases: dict[int, Lease] = attrs.field(factory=dict)
    _deadlines: list[tuple[float, int]] = attrs.field(factory=list)
    _next_id: int = 1

    def __len__(self) -> int:
        return len(self._leases)

    def get(self, lease_id: int) -> Lease | None:
        """The live lease with this id, or None."""
        return self._leases.get(lease_id)

    def grant(self, ttl: int, lease_id: int, now: float) -> Lease:
        """Create a lease; `lease_id` 0 picks the next free id. Caller checks id conflicts."""
        if lease_id == 0:
            while self._next_id in self._leases:
                self._next_id += 1
            lease_id = self._next_id
            self._next_id += 1
        lease = Lease(id=lease_id, ttl=ttl, deadline=now + ttl)
        self._leases[lease_id] = lease
        heapq.heappush(self._deadlines, (lease.deadline, lease_id))
        return lease

    def renew(self, lease: Lease, now: float) -> None:
        """Restart the lease's countdown."""
        lease.deadline = now + lease.ttl
        heapq.heappush(self._deadlines, (lease.deadline, lease.id))

    def remove(self, lease_id: int) -> Lease | None:
        """Forget the lease (its heap entries go stale and are dropped later)."""
        return self._leases.pop(lease_id, None)

    def pop_expired(self, now: float) -> list[Lease]:
        """Remove and return every lease whose deadline has passed, earliest first."""
        expired: list[Lease] = []
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            deadline, lease_id = heapq.heappop(heap)
            lease = self._leases.get(lease_id)
            if lease is not None and lease.deadline == deadline:
                del self._leases[lease_id]
                expired.append(lease)
        return expired

    def next_deadline(self) -> float | None:
        """The earliest live deadline, or None without leases."""
        heap = self._deadlines
        while heap:
            deadline, lease_id = heap[0]
            lease = self._leases.get(lease_id)
            if lease is not None and lease.deadline == deadline:
                return deadline
            heapq.heappop(heap)
        return None

    @staticmethod
    def remaining(lease: Lease, now: float) -> int:
        """Whole seconds left on the lease, rounded up, never negative."""
        return max(0, math.ceil(lease.deadline - now))
