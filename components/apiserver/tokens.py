"""Bearer-token authentication: Kubernetes' static token file, and ServiceAccount tokens.

A static token file is Kubernetes' ``--token-auth-file`` CSV: ``token,user,uid,"g1,g2"`` per
line. ServiceAccount tokens are HS256 JWTs signed with the cluster's key and naming
``system:serviceaccount:<namespace>:<name>``, as Kubernetes' legacy tokens do (they carry the
same claims; the signature is HMAC instead of RSA so no key pair has to be managed).

No ``Authorization`` header means `ANONYMOUS_USER` (when anonymous access is on); a header
whose token nobody knows means None, which the server answers with 401.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from components.apiserver.auth import ANONYMOUS_USER, AUTHENTICATED_GROUP, UserInfo

SA_ISSUER = "kubernetes/serviceaccount"
"""The ``iss`` claim of the ServiceAccount tokens this server signs and accepts."""


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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def service_account_user(namespace: str, name: str, uid: str = "") -> UserInfo:
    """The user a ServiceAccount authenticates as, with Kubernetes' groups."""
    return UserInfo(
        f"system:serviceaccount:{namespace}:{name}",
        uid,
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED_GROUP),
    )


def sign_service_account_token(key: bytes, namespace: str, name: str, uid: str = "") -> str:
    """A ServiceAccount bearer token (HS256 JWT with Kubernetes' legacy claims)."""
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "iss": SA_ISSUER,
        "sub": f"system:serviceaccount:{namespace}:{name}",
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/service-account.name": name,
        "kubernetes.io/serviceaccount/service-account.uid": uid,
    }
    head = _b64(json.dumps(header, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def verify_service_account_token(key: bytes, token: str) -> UserInfo | None:
    """The ServiceAccount user of a token signed with `key`, or None when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        claims = json.loads(_unb64(parts[1]))
    except ValueError:
        return None
    if not isinstance(claims, dict) or claims.get("iss") != SA_ISSUER:
        return None
    namespace = claims.get("kubernetes.io/serviceaccount/namespace")
    name = claims.get("kubernetes.io/serviceaccount/service-account.name")
    if not isinstance(namespace, str) or not isinstance(name, str) or not namespace or not name:
        return None
    uid = claims.get("kubernetes.io/serviceaccount/service-account.uid") or ""
    return service_account_user(namespace, name, str(uid))


@attrs.define
class TokenAuthenticator:
    """Bearer tokens from a static list and (with a key) ServiceAccount tokens."""

    entries: Iterable[TokenEntry] = ()
    service_account_key: bytes | None = None
    """The HMAC key ServiceAccount tokens are signed with; None accepts none."""
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
        if self.service_account_key is not None:
            return verify_service_account_token(self.service_account_key, token)
        return None


__all__ = [
    "SA_ISSUER",
    "TokenAuthenticator",
    "TokenEntry",
    "format_token_file",
    "load_token_file",
    "parse_token_file",
    "service_account_user",
    "sign_service_account_token",
    "verify_service_account_token",
]
