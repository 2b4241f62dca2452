"""ServiceAccount tokens: RS256 JWTs with Kubernetes' bound-token claims, checked against the store.

A token is ``header.payload.signature`` (unpadded base64url), signed with the cluster's RSA key
(`kubelab up` creates it owner-only in the state dir). Its claims are those of Kubernetes'
bound tokens: ``iss``, ``sub`` (``system:serviceaccount:NS:NAME``), ``aud``, ``iat``, ``nbf``,
``exp`` and ``kubernetes.io: {namespace, serviceaccount: {name, uid}}``. A token is accepted
only when every part is in its one canonical spelling (no padding, no alternative characters:
re-encoding the decoded bytes gives the same text), the signature verifies, the clock is within
``[nbf, exp)``, and the ServiceAccount exists now with the uid the token names (a deleted,
recreated or never-created account is refused: 401).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from components.apiserver.auth import AUTHENTICATED_GROUP, UserInfo
from components.apiserver.storage import ResourceKey, Storage
from kernel.clock import Clock, WallClock

SA_ISSUER = "https://kubernetes.default.svc.cluster.local"
"""The ``iss`` claim (Kubernetes' default ``--service-account-issuer``)."""
SA_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
DEFAULT_EXPIRATION = 3600
"""Seconds a token lives by default (TokenRequest's default expirationSeconds)."""
MIN_EXPIRATION = 600
"""TokenRequest refuses shorter lifetimes (Kubernetes: at least 10 minutes)."""
SA_KEY_FILE = "service-account.key"
"""The signing key's file name in `kubelab up`'s state dir (0600)."""
_HEADER = {"alg": "RS256", "typ": "JWT"}

UidLookup = Callable[[str, str], Awaitable[str | None]]
"""(namespace, name) -> the ServiceAccount's current uid, or None when it does not exist."""


def b64url(data: bytes) -> str:
    """Unpadded base64url, the one spelling a JWT part may have."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def canonical_b64url(text: str) -> bytes | None:
    """The bytes `text` spells, or None unless `text` is exactly their canonical encoding."""
    if not text or len(text) % 4 == 1 or not text.isascii():
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if b64url(data) == text else None


@attrs.frozen
class SigningKey:
    """The cluster's ServiceAccount signing key (RSA 2048, PKCS#8 PEM on disk)."""

    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh key (tests; `load_or_create` for a cluster)."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """The key in `path`, creating it owner-only (0600, parent 0700) on first use."""
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"{path}: not an RSA private key")
            return cls(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.parent.chmod(0o700)  # the state dir holds keys: owner-only
        made = cls.generate()
        pem = made.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return made

    def sign(self, claims: dict[str, Any]) -> str:
        """The compact JWS of `claims`."""
        head = b64url(json.dumps(_HEADER, separators=(",", ":")).encode())
        body = b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        signed = f"{head}.{body}".encode()
        signature = self.private.sign(signed, padding.PKCS1v15(), hashes.SHA256())
        return f"{head}.{body}.{b64url(signature)}"

    def verified_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a canonically spelled token this key signed, else None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        decoded = [canonical_b64url(p) for p in parts]
        if any(d is None for d in decoded):
            return None
        head, body, signature = (d or b"" for d in decoded)
        try:
            self.private.public_key().verify(
                signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
            header, claims = json.loads(head), json.loads(body)
        except (InvalidSignature, ValueError, RecursionError):
            return None
        if header != _HEADER or not isinstance(claims, dict):
            return None
        return claims


SERVICE_ACCOUNTS = ResourceKey("serviceaccounts")


def store_uid_lookup(storage: Storage) -> UidLookup:
    """A `UidLookup` reading the ServiceAccount from the store (latest state, every request)."""

    async def uid_of(namespace: str, name: str) -> str | None:
        obj = await storage.try_get(SERVICE_ACCOUNTS, namespace, name)
        uid = ((obj or {}).get("metadata") or {}).get("uid")
        return uid if isinstance(uid, str) and uid else None

    return uid_of


def service_account_user(namespace: str, name: str, uid: str = "") -> UserInfo:
    """The user a ServiceAccount authenticates as, with Kubernetes' groups."""
    return UserInfo(
        f"system:serviceaccount:{namespace}:{name}",
        uid,
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED_GROUP),
    )


def token_claims(
    namespace: str,
    name: str,
    uid: str,
    now: float,
    expiration_seconds: int = DEFAULT_EXPIRATION,
    *,
    audiences: list[str] | None = None,
) -> dict[str, Any]:
    """Kubernetes' bound ServiceAccount token claims, valid from `now` for the given seconds."""
    issued = int(now)
    return {
        "aud": list(audiences or [SA_AUDIENCE]),
        "exp": issued + expiration_seconds,
        "iat": issued,
        "iss": SA_ISSUER,
        "nbf": issued,
        "sub": f"system:serviceaccount:{namespace}:{name}",
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
    }


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _identity(claims: dict[str, Any]) -> tuple[str, str, str] | None:
    k8s = claims.get("kubernetes.io")
    sa = k8s.get("serviceaccount") if isinstance(k8s, dict) else None
    if not isinstance(k8s, dict) or not isinstance(sa, dict):
        return None
    namespace, name, uid = k8s.get("namespace"), sa.get("name"), sa.get("uid")
    if not all(isinstance(v, str) and v for v in (namespace, name, uid)):
        return None
    if claims.get("sub") != f"system:serviceaccount:{namespace}:{name}":
        return None
    return str(namespace), str(name), str(uid)


@attrs.define
class ServiceAccountTokens:
    """Issues and checks ServiceAccount tokens for one cluster key."""

    key: SigningKey
    uid_of: UidLookup
    """Looks the ServiceAccount up in the store (the token's uid must match)."""
    clock: Clock = attrs.field(factory=WallClock)
    """Wall-clock seconds, for iat/nbf/exp."""

    def issue(
        self,
        namespace: str,
        name: str,
        uid: str,
        expiration_seconds: int = DEFAULT_EXPIRATION,
        *,
        audiences: list[str] | None = None,
    ) -> str:
        """A signed token for the ServiceAccount `namespace/name` whose uid is `uid`."""
        now = self.clock.now()
        claims = token_claims(namespace, name, uid, now, expiration_seconds, audiences=audiences)
        return self.key.sign(claims)

    async def authenticate(self, token: str) -> UserInfo | None:
        """The ServiceAccount user of a valid, current token whose account still exists."""
        claims = self.key.verified_claims(token)
        if claims is None or claims.get("iss") != SA_ISSUER:
            return None
        audiences = claims.get("aud")
        if not isinstance(audiences, list) or SA_AUDIENCE not in audiences:
            return None  # issued for someone else (TokenRequest spec.audiences)
        exp, nbf = _int(claims.get("exp")), _int(claims.get("nbf"))
        now = self.clock.now()
        if exp is None or nbf is None or _int(claims.get("iat")) is None:
            return None
        if not nbf <= now < exp:
            return None
        identity = _identity(claims)
        if identity is None:
            return None
        namespace, name, uid = identity
        if await self.uid_of(namespace, name) != uid:
            return None
        return service_account_user(namespace, name, uid)


__all__ = [
    "DEFAULT_EXPIRATION",
    "MIN_EXPIRATION",
    "SA_AUDIENCE",
    "SA_ISSUER",
    "SA_KEY_FILE",
    "SERVICE_ACCOUNTS",
    "ServiceAccountTokens",
    "SigningKey",
    "UidLookup",
    "b64url",
    "canonical_b64url",
    "service_account_user",
    "store_uid_lookup",
    "token_claims",
]
