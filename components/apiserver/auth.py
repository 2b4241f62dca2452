"""The authentication and authorization seams of the request path.

Every request is authenticated first (headers in, `UserInfo` out, or None for "credentials
given but not valid": 401), then authorized (user + `RequestAttributes` in, `Decision` out:
403 when denied, with the reason in the message). The defaults allow everything, so the server
is usable before RBAC exists; the RBAC work replaces them with a token authenticator and an
RBAC authorizer through `APIServer(authenticator=..., authorizer=...)`.

The in-process client authenticates through the same `Authenticator` with the headers it would
have sent, so both clients see identical answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

from kernel.api.users import (
    ADMIN_GROUP,
    ADMIN_USER,
    ANONYMOUS,
    ANONYMOUS_USER,
    AUTHENTICATED_GROUP,
    UNAUTHENTICATED_GROUP,
    UserInfo,
)


@attrs.frozen
class RequestAttributes:
    """What a request does, in the terms RBAC rules are written in (authorizer.Attributes)."""

    verb: str
    """get, list, watch, create, update, patch, delete, deletecollection; or an HTTP verb."""
    resource: str = ""
    """Plural resource name (``pods``); empty for non-resource requests."""
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    path: str = ""
    """URL path, for non-resource requests (``/healthz``, ``/api``)."""
    field_selector: str = ""
    """The list/watch ``fieldSelector`` (the Node authorizer lets a kubelet list its own pods)."""

    @property
    def resource_request(self) -> bool:
        """False for discovery and health paths."""
        return bool(self.resource)


@attrs.frozen
class Decision:
    """An authorizer's answer; `reason` goes into the 403 message when denied."""

    allowed: bool
    reason: str = ""


@runtime_checkable
class Authenticator(Protocol):
    """Maps request headers (lower-case names) to a user, or None when credentials are invalid.

    No credentials at all should map to `ANONYMOUS_USER` (or None if anonymous access is off).
    """

    async def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None: ...


@runtime_checkable
class Authorizer(Protocol):
    """Decides whether `user` may do what `attributes` describe."""

    async def authorize(self, user: UserInfo, attributes: RequestAttributes) -> Decision: ...


class AllowAllAuthenticator:
    """Treats every request as the cluster admin (the default until RBAC is configured)."""

    async def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None:  # noqa: ARG002
        """Everyone is `ADMIN_USER`."""
        return ADMIN_USER


class AllowAllAuthorizer:
    """Allows every request (the default until RBAC is configured)."""

    async def authorize(
        self,
        user: UserInfo,  # noqa: ARG002 - the protocol's signature
        attributes: RequestAttributes,  # noqa: ARG002
    ) -> Decision:
        """Always allowed."""
        return Decision(True, "allow-all authorizer")


def forbidden_message(user: UserInfo, attrs_: RequestAttributes, reason: str) -> str:
    """Kubernetes' 403 text: ``User "x" cannot list resource "pods" in API group "" ...``."""
    if not attrs_.resource_request:
        text = f'User "{user.name}" cannot {attrs_.verb} path "{attrs_.path}"'
    else:
        res = f"{attrs_.resource}/{attrs_.subresource}" if attrs_.subresource else attrs_.resource
        text = (
            f'User "{user.name}" cannot {attrs_.verb} resource "{res}" in API group '
            f'"{attrs_.api_group}"'
        )
        text += (
            f' in the namespace "{attrs_.namespace}"'
            if attrs_.namespace
            else " at the cluster scope"
        )
    return f"{text}: {reason}" if reason else text


__all__ = [
    "ADMIN_GROUP",
    "ADMIN_USER",
    "ANONYMOUS",
    "ANONYMOUS_USER",
    "AUTHENTICATED_GROUP",
    "UNAUTHENTICATED_GROUP",
    "AllowAllAuthenticator",
    "AllowAllAuthorizer",
    "Authenticator",
    "Authorizer",
    "Decision",
    "RequestAttributes",
    "UserInfo",
    "forbidden_message",
]
