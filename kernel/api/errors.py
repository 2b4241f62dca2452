"""Kubernetes `Status` errors: the one exception type the API server raises and clients re-raise.

The server turns a `StatusError` into a `Status` object on the wire (kind Status, apiVersion v1,
status Failure, message, reason, details, code); the HTTP client parses that object back into
the same subclass, and the in-process client lets the server's own exception through, so code
written against either client catches the same types (`except NotFound:`).

Messages follow `k8s.io/apimachinery/pkg/api/errors` word for word, because tools (and people)
match on them: `pods "x" not found`, `Operation cannot be fulfilled on pods "x": ...`.
"""

# Subclasses are named after Kubernetes' Status reasons (NotFound, Conflict), not "...Error".
# ruff: noqa: N818

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol

import attrs


class FieldErrorLike(Protocol):
    """What `Invalid.new` needs of a field error (the object model's `FieldError` fits)."""

    type: str
    field: str

    def body(self) -> str: ...


@attrs.frozen
class StatusCause:
    """One reason for a failure, usually one field of an invalid object."""

    reason: str
    """Machine-readable cause type, e.g. ``FieldValueRequired``."""
    message: str
    """Human-readable text, without the field prefix."""
    field: str = ""
    """Path of the field at fault, e.g. ``spec.containers[0].name``; empty when not per field."""

    def to_dict(self) -> dict[str, str]:
        """Wire form; empty fields are left out as Kubernetes does."""
        out = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@attrs.frozen
class StatusDetails:
    """What the failure was about: the object's name, API group, kind and per-field causes."""

    name: str = ""
    group: str = ""
    kind: str = ""
    """Resource (``pods``) for most errors, Kind (``Pod``) for Invalid, as Kubernetes sets it."""
    uid: str = ""
    causes: tuple[StatusCause, ...] = ()
    retry_after_seconds: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Wire form; empty fields are left out."""
        pairs = (("name", self.name), ("group", self.group), ("kind", self.kind), ("uid", self.uid))
        out: dict[str, Any] = {key: value for key, value in pairs if value}
        if self.causes:
            out["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after_seconds:
            out["retryAfterSeconds"] = self.retry_after_seconds
        return out


class StatusError(Exception):
    """A failed API request, carrying the Kubernetes `Status` that describes it.

    Subclasses name the reason (`NotFound`, `Conflict`, ...); catch `StatusError` for all.
    """

    reason: ClassVar[str] = "Unknown"
    code: ClassVar[int] = 500

    def __init__(
        self, message: str, details: StatusDetails | None = None, *, code: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or StatusDetails()
        if code is not None:
            self.code = code  # type: ignore[misc]  # instance override for unknown codes

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.message!r})"

    @property
    def causes(self) -> tuple[StatusCause, ...]:
        """Per-field causes (for `Invalid`), else empty."""
        return self.details.causes

    def to_status(self) -> dict[str, Any]:
        """The `Status` object the API server sends for this error."""
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        details = self.details.to_dict()
        if details:
            out["details"] = details
        return out

    @staticmethod
    def from_status(status: Mapping[str, Any], http_code: int = 0) -> StatusError:
        """Rebuild the matching subclass from a `Status` object (as a client receives it)."""
        reason = str(status.get("reason") or "")
        code = int(status.get("code") or http_code or 500)
        message = str(status.get("message") or f"request failed with status {code}")
        raw = status.get("details") or {}
        causes = tuple(
            StatusCause(
                str(c.get("reason", "")), str(c.get("message", "")), str(c.get("field", ""))
            )
            for c in raw.get("causes") or ()
            if isinstance(c, Mapping)
        )
        details = StatusDetails(
            name=str(raw.get("name", "")),
            group=str(raw.get("group", "")),
            kind=str(raw.get("kind", "")),
            uid=str(raw.get("uid", "")),
            causes=causes,
            retry_after_seconds=int(raw.get("retryAfterSeconds") or 0),
        )
        cls = _BY_REASON.get(reason) or _BY_CODE.get(code) or StatusError
        if cls.code != code:
            return cls(message, details, code=code)
        return cls(message, details)


def qualified(resource: str, group: str) -> str:
    """Kubernetes' GroupResource string: ``pods``, ``deployments.apps``."""
    return f"{resource}.{group}" if group else resource


class BadRequest(StatusError):
    """400: the request itself is malformed (bad JSON, bad selector, bad query parameter)."""

    reason = "BadRequest"
    code = 400


class Unauthorized(StatusError):
    """401: no valid credentials."""

    reason = "Unauthorized"
    code = 401

    @classmethod
    def new(cls, message: str = "Unauthorized") -> Unauthorized:
        """The error an authenticator rejection produces."""
        return cls(message)


class Forbidden(StatusError):
    """403: the user may not do this, or the namespace is terminating."""

    reason = "Forbidden"
    code = 403

    @classmethod
    def new(cls, resource: str, group: str, name: str, why: str) -> Forbidden:
        """``pods "x" is forbidden: <why>`` (Kubernetes' NewForbidden)."""
        what = qualified(resource, group)
        if not what:
            message = f"forbidden: {why}"
        elif name:
            message = f'{what} "{name}" is forbidden: {why}'
        else:
            message = f"{what} is forbidden: {why}"
        return cls(message, StatusDetails(name=name, group=group, kind=resource))


class NotFound(StatusError):
    """404: no such object (or no such path)."""

    reason = "NotFound"
    code = 404

    @classmethod
    def new(cls, resource: str, group: str, name: str) -> NotFound:
        """``pods "x" not found``."""
        return cls(
            f'{qualified(resource, group)} "{name}" not found',
            StatusDetails(name=name, group=group, kind=resource),
        )

    @classmethod
    def path(cls) -> NotFound:
        """An unknown URL: Kubernetes answers with a bare 404 Status."""
        cause = StatusCause("UnexpectedServerResponse", "404 page not found")
        return cls(
            "the server could not find the requested resource", StatusDetails(causes=(cause,))
        )


class MethodNotAllowed(StatusError):
    """405: the resource exists but does not support this verb."""

    reason = "MethodNotAllowed"
    code = 405

    @classmethod
    def new(cls, method: str, what: str) -> MethodNotAllowed:
        """``the server does not allow this method on the requested resource``."""
        return cls(
            f"the server does not allow this method on the requested resource ({method} {what})"
        )


class AlreadyExists(StatusError):
    """409: create of a name that is taken."""

    reason = "AlreadyExists"
    code = 409

    @classmethod
    def new(cls, resource: str, group: str, name: str) -> AlreadyExists:
        """``pods "x" already exists``."""
        return cls(
            f'{qualified(resource, group)} "{name}" already exists',
            StatusDetails(name=name, group=group, kind=resource),
        )


CONFLICT_MODIFIED = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


class Conflict(StatusError):
    """409: a stale resourceVersion, failed precondition or conflicting state."""

    reason = "Conflict"
    code = 409

    @classmethod
    def new(cls, resource: str, group: str, name: str, why: str) -> Conflict:
        """``Operation cannot be fulfilled on pods "x": <why>``."""
        return cls(
            f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": {why}',
            StatusDetails(name=name, group=group, kind=resource),
        )

    @classmethod
    def modified(cls, resource: str, group: str, name: str) -> Conflict:
        """The optimistic-concurrency failure every controller retries on."""
        return cls.new(resource, group, name, CONFLICT_MODIFIED)


class Expired(StatusError):
    """410 Expired: a resourceVersion or continue token older than the store's history."""

    reason = "Expired"
    code = 410

    @classmethod
    def too_old(cls, requested: int, oldest: int) -> Expired:
        """``too old resource version: 5 (10)`` as a watch from compacted history gets it."""
        return cls(f"too old resource version: {requested} ({oldest})")


class Gone(StatusError):
    """410 Gone: the resource is no longer available."""

    reason = "Gone"
    code = 410


class UnsupportedMediaType(StatusError):
    """415: a body in a content type the endpoint does not take."""

    reason = "UnsupportedMediaType"
    code = 415

    @classmethod
    def new(cls, content_type: str) -> UnsupportedMediaType:
        """Kubernetes' wording for an unknown request content type."""
        return cls(
            f"the body of the request was in an unknown format - accepted media types "
            f"include: application/json (got {content_type!r})"
        )


class Invalid(StatusError):
    """422: the object fails validation; `causes` has one entry per field."""

    reason = "Invalid"
    code = 422

    @classmethod
    def new(cls, kind: str, group: str, name: str, errors: Iterable[FieldErrorLike]) -> Invalid:
        """``Pod "x" is invalid: [a, b]`` from field errors (Kubernetes' NewInvalid).

        Each cause carries the error's type as reason, its body (the message without the
        ``field: `` prefix) and its field path, as Kubernetes sends them.
        """
        items = list(errors)
        what = f"{kind}.{group}" if group else kind
        texts = [str(e) for e in items]
        if not texts:
            message = f'{what} "{name}" is invalid'
        elif len(texts) == 1:
            message = f'{what} "{name}" is invalid: {texts[0]}'
        else:
            message = f'{what} "{name}" is invalid: [{", ".join(texts)}]'
        causes = tuple(StatusCause(e.type, e.body(), e.field) for e in items)
        return cls(message, StatusDetails(name=name, group=group, kind=kind, causes=causes))


class TooManyRequests(StatusError):
    """429: slow down and retry after `details.retry_after_seconds`."""

    reason = "TooManyRequests"
    code = 429

    @classmethod
    def new(
        cls, message: str = "Too many requests, please try again later.", retry_after: int = 1
    ) -> TooManyRequests:
        """Kubernetes' throttling answer."""
        return cls(message, StatusDetails(retry_after_seconds=retry_after))


class Timeout(StatusError):
    """504: the server could not finish in time (e.g. a resourceVersion it has not reached)."""

    reason = "Timeout"
    code = 504


class InternalError(StatusError):
    """500: a bug or a storage failure; never the answer to a user's mistake."""

    reason = "InternalError"
    code = 500


class ServiceUnavailable(StatusError):
    """503: the store could not serve the request; retry."""

    reason = "ServiceUnavailable"
    code = 503


_SUBCLASSES: tuple[type[StatusError], ...] = (
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    AlreadyExists,
    Conflict,
    Expired,
    Gone,
    UnsupportedMediaType,
    Invalid,
    TooManyRequests,
    Timeout,
    InternalError,
    ServiceUnavailable,
)
_BY_REASON: dict[str, type[StatusError]] = {c.reason: c for c in _SUBCLASSES}
_BY_CODE: dict[int, type[StatusError]] = {}
for _cls in _SUBCLASSES:
    _BY_CODE.setdefault(_cls.code, _cls)

__all__ = [
    "CONFLICT_MODIFIED",
    "AlreadyExists",
    "BadRequest",
    "Conflict",
    "Expired",
    "FieldErrorLike",
    "Forbidden",
    "Gone",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotFound",
    "ServiceUnavailable",
    "StatusCause",
    "StatusDetails",
    "StatusError",
    "Timeout",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "qualified",
]
