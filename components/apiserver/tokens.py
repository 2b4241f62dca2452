"""Bearer-token authentication: Kubernetes' static token file, and ServiceAccount tokens.

A static token file is Kubernetes' ``--token-auth-file`` CSV: ``token,user,uid,"g1,g2"`` per
line. ServiceAccount tokens are RS256 JWTs checked by `sa_tokens.ServiceAccountTokens` (signature,
canonical spelling, expiry, and the account's uid in the store).

No ``Authorization`` header means `ANONYMOUS_USER` (when anonymous access is on); a header
whose token nobody knows means None, which the server answers with 401.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from components.apiserver.auth import ANONYMOUS_USER, AUTHENTICATED_GROUP, UserInfo
from components.apiserver.sa_tokens import ServiceAccountTokens


@attrs.frozen
class TokenEntry:
    """One line of a static token file: a token and the user it stands for."""

    token: str
    user: UserInfo


def format_token_file(entries: Iterable[TokenEntry]) -> str:
    """The CSV text of a static token file (``token,user,uid,"groups"``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for entry in entries:
        u = entry.user
        groups = [g for g in u.groups if g != AUTHENTICATED_GROUP]
        writer.writerow([entry.token, u.name, u.uid or u.name, ",".join(groups)])
    return out.getvalue()


def parse_token_file(text: str, source: str = "token file") -> list[TokenEntry]:
    """Parse a static token file; ValueError naming the line when one is malformed."""
    entries: list[TokenEntry] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 3 or not row[0] or not row[1]:
            raise ValueError(f'{source}:{number}: expected token,user,uid[,"groups"]')
        groups = tuple(g for g in (row[3].split(",") if len(row) > 3 else []) if g)
        user = UserInfo(row[1], row[2], (*groups, AUTHENTICATED_GROUP))
        entries.append(TokenEntry(row[0], user))
    return entries


def load_token_file(path: str | Path) -> list[TokenEntry]:
    """Read and parse a static token file."""
    return parse_token_file(Path(path).read_text(), str(path))


@attrs.define
class TokenAuthenticator:
    """Bearer tokens from a static list and (with a key) ServiceAccount tokens."""

    entries: Iterable[TokenEntry] = ()
    service_accounts: ServiceAccountTokens | None = None
    """Checks ServiceAccount tokens; None accepts none."""
    anonymous: bool = True
    """Whether a request without credentials is `system:anonymous` (else 401)."""
    _by_token: dict[str, UserInfo] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._by_token = {e.token: e.user for e in self.entries}

    async def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None:
        """The user behind the ``Authorization: Bearer`` header (see the module docstring)."""
        header = headers.get("authorization", "").strip()
        if not header:
            return ANONYMOUS_USER if self.anonymous else None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        user = self._by_token.get(token)
        if user is not None:
            return user
        if self.service_accounts is not None:
            return await self.service_accounts.authenticate(token)
        return None


__all__ = [
    "TokenAuthenticator",
    "TokenEntry",
    "format_token_file",
    "load_token_file",
    "parse_token_file",
]
