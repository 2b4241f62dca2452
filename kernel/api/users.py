"""Who is asking: Kubernetes' user.Info and the well-known users and groups.

Shared by the API server (authentication's output) and its clients (the in-process client's
identity), so a client never imports server code.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

ANONYMOUS = "system:anonymous"
UNAUTHENTICATED_GROUP = "system:unauthenticated"
AUTHENTICATED_GROUP = "system:authenticated"
ADMIN_GROUP = "system:masters"


@attrs.frozen
class UserInfo:
    """Who is asking: Kubernetes' user.Info."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


ANONYMOUS_USER = UserInfo(ANONYMOUS, groups=(UNAUTHENTICATED_GROUP,))
ADMIN_USER = UserInfo("admin", groups=(ADMIN_GROUP, AUTHENTICATED_GROUP))


__all__ = [
    "ADMIN_GROUP",
    "ADMIN_USER",
    "ANONYMOUS",
    "ANONYMOUS_USER",
    "AUTHENTICATED_GROUP",
    "UNAUTHENTICATED_GROUP",
    "UserInfo",
]
