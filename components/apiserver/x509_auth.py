"""Client-certificate authentication in front of another authenticator (Kubernetes' union).

A request on a connection whose client presented a certificate signed by the cluster CA is
that certificate's user (CN) in its groups (O), plus ``system:authenticated``, as
Kubernetes' x509 authenticator; any other request goes to the wrapped authenticator (tokens).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from components.apiserver.auth import AUTHENTICATED_GROUP, Authenticator, UserInfo
from components.apiserver.tls_serving import PEER_GROUPS, PEER_USER


@attrs.frozen
class X509Authenticator:
    """The client certificate's identity when there is one, else `fallback`'s answer."""

    fallback: Authenticator

    @property
    def service_accounts(self) -> Any:
        """The wrapped authenticator's ServiceAccount token issuer (TokenRequest uses it)."""
        return getattr(self.fallback, "service_accounts", None)

    async def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None:
        """CN = user name, O = groups (see the module docstring)."""
        name = headers.get(PEER_USER)
        if not name:
            return await self.fallback.authenticate(headers)
        groups = tuple(g for g in headers.get(PEER_GROUPS, "").split("\n") if g)
        if AUTHENTICATED_GROUP not in groups:
            groups = (*groups, AUTHENTICATED_GROUP)
        return UserInfo(name, groups=groups)


__all__ = ["X509Authenticator"]
