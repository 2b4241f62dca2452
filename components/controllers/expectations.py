"""Expectations: a controller waits until its cache has seen its own writes before acting again.

Kubernetes' ControllerExpectations count adds and deletes still to be observed. Here the same
idea is level-based: a controller notes each pod it created (with the resourceVersion the
server gave it) and each pod it deleted (by uid). A creation is observed once the cache holds
that pod or has caught up past its resourceVersion (it may have come and gone already); a
deletion once the cache no longer shows that pod active. Until all are observed the owner
is not scaled again, so a stale cache never makes it create or delete twice. Notes expire
after `ttl` seconds (Kubernetes' 5 minutes), so a lost event cannot wedge an owner.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from components.controllers.pods import is_active
from kernel.informer import Informer, object_key
from kernel.objects import Pod

EXPECTATIONS_TTL = 300.0


def _version(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


@attrs.define
class _Pending:
    since: float
    creates: dict[str, tuple[str, int | None]] = attrs.field(factory=dict)
    """Pod key -> (uid, resourceVersion of the create)."""
    deletes: dict[str, str] = attrs.field(factory=dict)
    """Pod key -> uid."""


@attrs.define
class Expectations:
    """Per owner key, the writes its controller made that the pod cache has not shown yet."""

    now: Callable[[], float]
    """Monotonic seconds (the controller's timers)."""
    ttl: float = EXPECTATIONS_TTL
    _pending: dict[str, _Pending] = attrs.field(factory=dict)

    def _entry(self, owner: str) -> _Pending:
        entry = self._pending.get(owner)
        if entry is None:
            entry = self._pending[owner] = _Pending(self.now())
        return entry

    def expect_created(self, owner: str, pod: Pod) -> None:
        """`owner` created `pod` (as the server returned it)."""
        uid = pod.metadata.uid or ""
        self._entry(owner).creates[object_key(pod)] = (uid, _version(pod.metadata.resource_version))

    def expect_deleted(self, owner: str, pod: Pod) -> None:
        """`owner` asked the server to delete `pod`."""
        self._entry(owner).deletes[object_key(pod)] = pod.metadata.uid or ""

    def forget(self, owner: str) -> None:
        """Drop `owner`'s notes (it was deleted)."""
        self._pending.pop(owner, None)

    def pending(self, owner: str) -> int:
        """How many of `owner`'s writes are still unobserved."""
        entry = self._pending.get(owner)
        return 0 if entry is None else len(entry.creates) + len(entry.deletes)

    def satisfied(self, owner: str, pods: Informer[Pod]) -> bool:
        """True when the pod cache reflects every write `owner` made (or the notes expired)."""
        entry = self._pending.get(owner)
        if entry is None:
            return True
        if self.now() - entry.since >= self.ttl:
            del self._pending[owner]
            return True
        seen = _version(pods.resource_version)
        for key, (uid, version) in list(entry.creates.items()):
            cached = pods.cache.get(key)
            caught_up = seen is not None and version is not None and seen >= version
            if (cached is not None and cached.metadata.uid == uid) or caught_up:
                del entry.creates[key]
        for key, uid in list(entry.deletes.items()):
            cached = pods.cache.get(key)
            if cached is None or cached.metadata.uid != uid or not is_active(cached):
                del entry.deletes[key]
        if entry.creates or entry.deletes:
            return False
        del self._pending[owner]
        return True

    def expires_in(self, owner: str) -> float:
        """Seconds until `owner`'s notes expire (0 when it has none)."""
        entry = self._pending.get(owner)
        return 0.0 if entry is None else max(0.0, entry.since + self.ttl - self.now())


__all__ = ["EXPECTATIONS_TTL", "Expectations"]
