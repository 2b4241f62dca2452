"""Wire conversion: `from_dict` (class chosen by apiVersion/kind), `decode`, `to_dict`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from ._errors import FieldError, UnknownResourceError, ValidationError
from ._meta import KubeObject
from ._resources import RESOURCES
from ._schema import DecodeProblems, decode_struct, encode_struct, finish_path

__all__ = ["decode", "from_dict", "to_dict"]

T = TypeVar("T")
_CLASSES: dict[str, type[KubeObject]] = {
    info.kind: info.cls for info in RESOURCES if info.cls is not None
}


def _name_of(data: Any) -> str:
    meta = data.get("metadata") if isinstance(data, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else ""


def decode(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build an instance of ``cls`` from its wire dict, rejecting unknown fields and bad types.

    Raises ValidationError whose errors name each offending path
    (``unknown field "spec.containers[0].imagee"``).
    """
    kind = getattr(cls, "KIND", "") or cls.__name__
    if not isinstance(data, dict):
        data = dict(data) if isinstance(data, Mapping) else data
    if getattr(cls, "KIND", ""):
        errors = _check_type_meta(cls, data)  # type: ignore[arg-type]
        if errors:
            raise ValidationError(errors, kind, _name_of(data))
    try:
        return decode_struct(cls, data)
    except DecodeProblems as exc:
        raise ValidationError(finish_path(exc.errors), kind, _name_of(data)) from None


def _check_type_meta(cls: type[KubeObject], data: Any) -> list[FieldError]:
    if not isinstance(data, Mapping):
        return []
    errors = []
    kind = data.get("kind")
    if kind is not None and kind != cls.KIND:
        errors.append(FieldError.invalid("kind", kind, f"must be {cls.KIND}"))
    version = data.get("apiVersion")
    if version is not None and version != cls.API_VERSION:
        errors.append(
            FieldError.invalid(
                "apiVersion", version, f'{cls.KIND} is served as "{cls.API_VERSION}"'
            )
        )
    return errors


def class_for(kind: str) -> type[KubeObject]:
    """The Python class for a kind (``Pod`` -> Pod); UnknownResourceError if not served."""
    cls = _CLASSES.get(kind)
    if cls is None:
        known = ", ".join(sorted(_CLASSES))
        raise UnknownResourceError(f'kind "{kind}" is not served by kubelab (known kinds: {known})')
    return cls


def from_dict(data: Mapping[str, Any]) -> KubeObject:
    """Decode any served object, choosing the class by ``kind`` and checking ``apiVersion``."""
    if not isinstance(data, Mapping):
        raise ValidationError(
            [FieldError.type_invalid("<root>", data, "an object must be a mapping")], "object"
        )
    kind = data.get("kind")
    version = data.get("apiVersion")
    name = _name_of(data)
    if not kind:
        raise ValidationError(
            [FieldError.required("kind", "every object needs a kind, e.g. kind: Pod")],
            "object",
            name,
        )
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValidationError(
            [FieldError.not_supported("kind", kind, sorted(_CLASSES))], "object", name
        )
    if not version:
        raise ValidationError(
            [FieldError.required("apiVersion", f'{kind} needs apiVersion: "{cls.API_VERSION}"')],
            kind,
            name,
        )
    return decode(cls, data)


def to_dict(obj: Any) -> dict[str, Any]:
    """The wire form: camelCase keys, apiVersion/kind first, None and empty lists/maps omitted."""
    return encode_struct(obj)
