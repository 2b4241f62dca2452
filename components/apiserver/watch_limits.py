"""Bounds on concurrent watches, per user and overall: more get 429 with Retry-After.

Kubernetes bounds watches through API Priority and Fairness; here two plain counters do it,
so one user (or everyone together) cannot hold enough watches to stall event delivery for
the rest (10,000 watches gave 21 s event delays before the limit). Members of
``system:masters`` are exempt from the per-user bound, as APF's exempt priority level exempts
them (a simulation whose 5,000 kubelets all run as the admin must fit); the overall bound
holds for everyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from kernel.api.errors import TooManyRequests
from kernel.api.users import ADMIN_GROUP, UserInfo

MAX_WATCHES = 8192
"""Concurrent watches the server holds in all (5,000 kubelets fit, with room for controllers)."""

MAX_WATCHES_PER_USER = 2048
"""Concurrent watches one user may hold."""

RETRY_AFTER = 1
"""Seconds a refused watcher is told to wait (``Retry-After``)."""


@attrs.define
class WatchLimits:
    """Counts open watches by user name; `hold` refuses one over either bound."""

    total: int = MAX_WATCHES
    per_user: int = MAX_WATCHES_PER_USER
    _open: int = 0
    _by_user: dict[str, int] = attrs.field(factory=dict)

    @contextmanager
    def hold(self, info: UserInfo) -> Iterator[None]:
        """Count one watch of `info` for the block; 429 TooManyRequests when over a bound."""
        user = info.name
        mine = self._by_user.get(user, 0)
        if self._open >= self.total:
            raise TooManyRequests.new(
                f"too many concurrent watches on this server (limit {self.total})", RETRY_AFTER
            )
        if mine >= self.per_user and ADMIN_GROUP not in info.groups:
            raise TooManyRequests.new(
                f"too many concurrent watches for user {user!r} (limit {self.per_user})",
                RETRY_AFTER,
            )
        self._open += 1
        self._by_user[user] = mine + 1
        try:
            yield
        finally:
            self._open -= 1
            left = self._by_user[user] - 1
            if left:
                self._by_user[user] = left
            else:
                del self._by_user[user]

    def open(self, user: str | None = None) -> int:
        """Watches open now (of `user`, when given)."""
        return self._open if user is None else self._by_user.get(user, 0)


__all__ = ["MAX_WATCHES", "MAX_WATCHES_PER_USER", "RETRY_AFTER", "WatchLimits"]
