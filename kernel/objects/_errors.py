"""Field errors and the exceptions of the object model, worded as Kubernetes words them.

`FieldError` mirrors ``k8s.io/apimachinery/pkg/util/validation/field.Error``: its ``type`` is the
``CauseType`` the API server puts in a ``Status``'s causes, and ``str()`` is Kubernetes' message,
e.g. ``spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", ...``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

__all__ = [
    "FIELD_VALUE_DUPLICATE",
    "FIELD_VALUE_FORBIDDEN",
    "FIELD_VALUE_INVALID",
    "FIELD_VALUE_NOT_FOUND",
    "FIELD_VALUE_NOT_SUPPORTED",
    "FIELD_VALUE_REQUIRED",
    "FIELD_VALUE_TOO_LONG",
    "FIELD_VALUE_TYPE_INVALID",
    "FIELD_VALUE_UNKNOWN",
    "FieldError",
    "ManifestError",
    "UnknownResourceError",
    "ValidationError",
]

FIELD_VALUE_INVALID = "FieldValueInvalid"
FIELD_VALUE_REQUIRED = "FieldValueRequired"
FIELD_VALUE_NOT_SUPPORTED = "FieldValueNotSupported"
FIELD_VALUE_DUPLICATE = "FieldValueDuplicate"
FIELD_VALUE_FORBIDDEN = "FieldValueForbidden"
FIELD_VALUE_TOO_LONG = "FieldValueTooLong"
FIELD_VALUE_TYPE_INVALID = "FieldValueTypeInvalid"
FIELD_VALUE_UNKNOWN = "FieldValueUnknown"
FIELD_VALUE_NOT_FOUND = "FieldValueNotFound"

_TYPE_WORDS = {
    FIELD_VALUE_INVALID: "Invalid value",
    FIELD_VALUE_REQUIRED: "Required value",
    FIELD_VALUE_NOT_SUPPORTED: "Unsupported value",
    FIELD_VALUE_DUPLICATE: "Duplicate value",
    FIELD_VALUE_FORBIDDEN: "Forbidden",
    FIELD_VALUE_TOO_LONG: "Too long",
    FIELD_VALUE_TYPE_INVALID: "Invalid value",
    FIELD_VALUE_UNKNOWN: "Unknown field",
    FIELD_VALUE_NOT_FOUND: "Not found",
}
# Kubernetes prints these types without the offending value.
_VALUELESS = frozenset({FIELD_VALUE_REQUIRED, FIELD_VALUE_FORBIDDEN, FIELD_VALUE_TOO_LONG})
_OMIT = object()


def _format_value(value: Any) -> str:
    """Render a bad value the way Go's field.Error does: strings quoted, numbers bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return str(value)
    to_dict = getattr(value, "__kubelab_to_wire__", None)
    if to_dict is not None:
        return json.dumps(to_dict(), sort_keys=True)
    if isinstance(value, dict | list | tuple):
        try:
            return json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


@attrs.frozen
class FieldError:
    """One problem with one field: where, what kind, the offending value and why."""

    type: str
    """Kubernetes' cause type, e.g. ``FieldValueInvalid`` or ``FieldValueRequired``."""
    field: str
    """The path of the field, e.g. ``spec.containers[0].image``."""
    bad_value: Any = None
    """The offending value (not printed for Required, Forbidden and TooLong, as in Kubernetes)."""
    detail: str = ""
    """The rule that was broken, in Kubernetes' words."""

    def body(self) -> str:
        """The message without the field path (Kubernetes' ``ErrorBody``)."""
        if self.type == FIELD_VALUE_UNKNOWN:
            return "unknown field"
        words = _TYPE_WORDS.get(self.type, self.type)
        text = words if self.type in _VALUELESS else f"{words}: {_format_value(self.bad_value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        if self.type == FIELD_VALUE_UNKNOWN:
            return f'unknown field "{self.field}"'
        return f"{self.field}: {self.body()}"

    # -- constructors named as in Kubernetes' field package -------------------------------
    @classmethod
    def invalid(cls, field: str, value: Any, detail: str) -> FieldError:
        return cls(FIELD_VALUE_INVALID, field, value, detail)

    @classmethod
    def required(cls, field: str, detail: str = "") -> FieldError:
        return cls(FIELD_VALUE_REQUIRED, field, "", detail)

    @classmethod
    def not_supported(cls, field: str, value: Any, supported: Iterable[str]) -> FieldError:
        quoted = ", ".join(json.dumps(v) for v in supported)
        return cls(FIELD_VALUE_NOT_SUPPORTED, field, value, f"supported values: {quoted}")

    @classmethod
    def duplicate(cls, field: str, value: Any) -> FieldError:
        return cls(FIELD_VALUE_DUPLICATE, field, value, "")

    @classmethod
    def forbidden(cls, field: str, detail: str) -> FieldError:
        return cls(FIELD_VALUE_FORBIDDEN, field, "", detail)

    @classmethod
    def too_long(cls, field: str, value: Any, max_length: int) -> FieldError:
        return cls(FIELD_VALUE_TOO_LONG, field, value, f"must have at most {max_length} bytes")

    @classmethod
    def type_invalid(cls, field: str, value: Any, detail: str) -> FieldError:
        return cls(FIELD_VALUE_TYPE_INVALID, field, value, detail)

    @classmethod
    def not_found(cls, field: str, value: Any) -> FieldError:
        return cls(FIELD_VALUE_NOT_FOUND, field, value, "")

    @classmethod
    def unknown(cls, field: str) -> FieldError:
        return cls(FIELD_VALUE_UNKNOWN, field, None, "")


class ValidationError(Exception):
    """An object failed decoding or validation; ``errors`` lists every problem found.

    The message reads like the API server's: ``Pod "web" is invalid: spec.containers: Required
    value`` (several errors are bracketed and comma-separated, as Kubernetes does).
    """

    def __init__(self, errors: Sequence[FieldError], kind: str = "", name: str = "") -> None:
        self.errors: list[FieldError] = list(errors)
        self.kind = kind
        self.name = name
        super().__init__(self.message())

    def message(self) -> str:
        texts = [str(e) for e in self.errors]
        listed = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
        subject = f'{self.kind or "object"} "{self.name}"' if self.name else self.kind or "object"
        return f"{subject} is invalid: {listed}"

    def __str__(self) -> str:
        return self.message()


class UnknownResourceError(LookupError):
    """A resource name or kind that kubelab does not serve (``kubelab get pdo``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown resource"


class ManifestError(ValueError):
    """A manifest could not be loaded; the message names the file and the line or field."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "<stdin>",
        line: int | None = None,
        document: int | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        self.source = source
        self.line = line
        self.document = document
        self.errors = list(errors)
        super().__init__(message)
