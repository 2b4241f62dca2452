"""The TokenRequest subresource: ``POST .../serviceaccounts/NAME/token`` issues a bound token.

As Kubernetes' ``authentication.k8s.io/v1`` TokenRequest: ``spec.expirationSeconds`` (default
3600, at least 600, at most 2^32) and ``spec.audiences`` (default the API server's); the answer
carries ``status.token`` and ``status.expirationTimestamp``. The ServiceAccount must exist; the
token names its uid, so deleting the account revokes it.
"""

from __future__ import annotations

from typing import Any

from components.apiserver.sa_tokens import (
    DEFAULT_EXPIRATION,
    MIN_EXPIRATION,
    SA_AUDIENCE,
    SERVICE_ACCOUNTS,
    ServiceAccountTokens,
)
from components.apiserver.storage import Storage
from kernel.api.errors import BadRequest, Invalid, NotFound
from kernel.objects import FieldError, format_time

MAX_EXPIRATION = 2**32
AUTHN_GROUP = "authentication.k8s.io"


def _invalid(name: str, field: str, value: Any, detail: str) -> Invalid:
    error = FieldError("FieldValueInvalid", field, value, detail)
    return Invalid.new("TokenRequest", AUTHN_GROUP, name, [error])


def _spec(name: str, body: Any) -> tuple[list[str], int]:
    if not isinstance(body, dict) or body.get("kind", "TokenRequest") != "TokenRequest":
        raise BadRequest("the request body must be an authentication.k8s.io/v1 TokenRequest")
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise _invalid(name, "spec", spec, "must be an object")
    seconds = spec.get("expirationSeconds", DEFAULT_EXPIRATION)
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise _invalid(name, "spec.expirationSeconds", seconds, "must be an integer")
    if seconds < MIN_EXPIRATION:
        raise _invalid(
            name,
            "spec.expirationSeconds",
            seconds,
            "may not specify a duration less than 10 minutes",
        )
    if seconds > MAX_EXPIRATION:
        raise _invalid(
            name,
            "spec.expirationSeconds",
            seconds,
            "may not specify a duration larger than 2^32 seconds",
        )
    audiences = spec.get("audiences") or [SA_AUDIENCE]
    if not isinstance(audiences, list) or not all(isinstance(a, str) and a for a in audiences):
        raise _invalid(name, "spec.audiences", audiences, "must be a list of non-empty strings")
    return audiences, seconds


async def request_token(
    tokens: ServiceAccountTokens, storage: Storage, namespace: str, name: str, body: Any
) -> dict[str, Any]:
    """The TokenRequest answer for ServiceAccount `namespace/name` (404 when it does not exist)."""
    audiences, seconds = _spec(name, body)
    account = await storage.try_get(SERVICE_ACCOUNTS, namespace, name)
    uid = ((account or {}).get("metadata") or {}).get("uid")
    if account is None or not isinstance(uid, str):
        raise NotFound.new("serviceaccounts", "", name)
    now = tokens.clock.now()
    token = tokens.issue(namespace, name, uid, seconds, audiences=audiences)
    return {
        "apiVersion": f"{AUTHN_GROUP}/v1",
        "kind": "TokenRequest",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": format_time(now)},
        "spec": {"audiences": audiences, "expirationSeconds": seconds},
        "status": {"token": token, "expirationTimestamp": format_time(int(now) + seconds)},
    }


__all__ = ["MAX_EXPIRATION", "request_token"]
