"""The declarative field schema and the one generic codec for every API type.

Each API type is an attrs class whose fields are declared with the helpers below (`opt`, `many`,
`mapping`, ...). The wire (camelCase) name is derived from the attribute name, or given with
``wire=``. From the resolved type hints we compile, once per class, a table of per-field decoders
and encoders; `decode_struct` and `encode_struct` then run from those tables with no reflection
per call, which keeps 150,000-pod simulations cheap.

Decode errors are collected, not raised at the first one: every unknown field and wrong type is
reported with its full path (``spec.containers[0].imagee``).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Union

import attrs

from ._errors import FIELD_VALUE_INVALID, FIELD_VALUE_TYPE_INVALID, FIELD_VALUE_UNKNOWN, FieldError
from ._quantity import IntOrString, Quantity, QuantityError, to_int_or_string, to_quantity_map

__all__ = [
    "INT32_RANGE",
    "INT64_RANGE",
    "Int64",
    "MicroTime",
    "Time",
    "decode_struct",
    "encode_struct",
    "many",
    "mapping",
    "opt",
    "quantities",
    "wire_fields",
]

_WIRE = "kubelab.wire"
_ACRONYMS = {
    "ip": "IP",
    "ips": "IPs",
    "cidr": "CIDR",
    "cidrs": "CIDRs",
    "id": "ID",
    "uuid": "UUID",
    "urls": "URLs",
    "pid": "PID",
    "ipc": "IPC",
    "fqdn": "FQDN",
}

# Timestamps stay RFC 3339 strings on the objects (lossless round trips, cheap decoding); the
# markers let the codec check their shape.
_TIME_MARK = "kubelab.time"
Time = Annotated[str, _TIME_MARK]
"""An RFC 3339 timestamp with second precision, e.g. ``2024-05-01T12:00:00Z``."""
MicroTime = Annotated[str, _TIME_MARK]
_INT64_MARK = "kubelab.int64"
Int64 = Annotated[int, _INT64_MARK]
"""An ``int64`` field in Kubernetes' Go types; a plain ``int`` field is an ``int32``."""
INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)
"""An RFC 3339 timestamp with microseconds, e.g. ``2024-05-01T12:00:00.000000Z``."""
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def camel(name: str) -> str:
    """Wire name of a snake_case attribute, with Kubernetes' acronyms (pod_ips -> podIPs)."""
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(_ACRONYMS.get(part, part[:1].upper() + part[1:]) for part in rest)


def _meta(wire: str | None) -> dict[str, Any]:
    return {_WIRE: wire} if wire else {}


def _tuple(value: Any) -> tuple[Any, ...]:
    if type(value) is tuple:
        return value
    return () if value is None else tuple(value)


def _dict(value: Any) -> dict[str, Any]:
    return {} if value is None else value


def opt(*, wire: str | None = None, default: Any = None) -> Any:
    """An optional scalar or nested object; None means absent and is omitted on the wire."""
    return attrs.field(default=default, metadata=_meta(wire))


def many(*, wire: str | None = None) -> Any:
    """A list field, stored as a tuple (empty when absent; omitted on the wire when empty)."""
    return attrs.field(factory=tuple, converter=_tuple, metadata=_meta(wire))


def mapping(*, wire: str | None = None) -> Any:
    """A string-keyed map (labels, nodeSelector...); empty when absent, omitted when empty."""
    return attrs.field(factory=dict, converter=_dict, metadata=_meta(wire))


def quantities(*, wire: str | None = None) -> Any:
    """A resource list (``{"cpu": "250m"}``); plain strings are parsed into Quantity."""
    return attrs.field(factory=dict, converter=to_quantity_map, metadata=_meta(wire))


def int_or_string(*, wire: str | None = None, default: Any = None) -> Any:
    """An IntOrString field; bare ints and strings are wrapped."""
    return attrs.field(default=default, converter=to_int_or_string, metadata=_meta(wire))


def always(factory: Callable[[], Any], *, wire: str | None = None) -> Any:
    """A nested object that is always present (metadata, spec, status), like a Go value field."""
    return attrs.field(factory=factory, metadata=_meta(wire))


# ---------------------------------------------------------------------------------------------
# errors during decoding


class DecodeProblems(Exception):  # noqa: N818 - internal control flow, not a user-facing error
    """Raised inside the codec; carries FieldErrors whose paths are relative (``.a[0].b``)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors)
        self.errors = errors


def _problem(kind: str, value: Any, detail: str) -> DecodeProblems:
    return DecodeProblems([FieldError(kind, "", value, detail)])


def _prefixed(errors: list[FieldError], prefix: str) -> list[FieldError]:
    return [attrs.evolve(e, field=prefix + e.field) for e in errors]


# ---------------------------------------------------------------------------------------------
# scalar codecs

Decoder = Callable[[Any], Any]
Encoder = Callable[[Any], Any] | None


def _dec_str(value: Any) -> str:
    if type(value) is str:
        return value
    raise _problem(FIELD_VALUE_TYPE_INVALID, value, "must be of type string")


def _int_decoder(bits: int) -> Decoder:
    """Decode an integer field, refusing values outside the Go type's range, as Kubernetes."""
    low, high = INT32_RANGE if bits == 32 else INT64_RANGE

    def decode(value: Any) -> int:
        if type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is not int:
            raise _problem(FIELD_VALUE_TYPE_INVALID, _shown(value), "must be of type integer")
        if not low <= value <= high:
            raise _problem(FIELD_VALUE_INVALID, _shown(value), f"must fit in an int{bits}")
        return value

    return decode


def _shown(value: Any) -> Any:
    """A value small enough to echo in an error (huge numbers are cut short)."""
    if type(value) is int and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    return value


_dec_int = _int_decoder(32)
_dec_int64 = _int_decoder(64)


def _dec_float(value: Any) -> float:
    if type(value) in (int, float):
        return float(value)
    raise _problem(FIELD_VALUE_TYPE_INVALID, value, "must be of type number")


def _dec_bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    raise _problem(FIELD_VALUE_TYPE_INVALID, value, "must be of type boolean")


def _dec_time(value: Any) -> str:
    if type(value) is str and _TIME_RE.fullmatch(value):
        return value
    raise _problem(FIELD_VALUE_INVALID, value, "must be an RFC 3339 timestamp")


def _dec_any(value: Any) -> Any:
    return value


def _dec_quantity(value: Any) -> Quantity:
    try:
        return Quantity.parse(value)
    except QuantityError:
        raise _problem(FIELD_VALUE_INVALID, value, "must be a quantity") from None


def _dec_int_or_string(value: Any) -> IntOrString:
    if type(value) is int or type(value) is str:
        return IntOrString(value)
    raise _problem(FIELD_VALUE_TYPE_INVALID, value, "must be an integer or a string")


def _enc_quantity(value: Quantity) -> str:
    return str(value)


def _enc_int_or_string(value: IntOrString) -> int | str:
    return value.value


_SCALARS: dict[Any, tuple[Decoder, Encoder]] = {
    str: (_dec_str, None),
    int: (_dec_int, None),
    float: (_dec_float, None),
    bool: (_dec_bool, None),
    Any: (_dec_any, None),
    Quantity: (_dec_quantity, _enc_quantity),
    IntOrString: (_dec_int_or_string, _enc_int_or_string),
}


# ---------------------------------------------------------------------------------------------
# container codecs


def _list_codec(item_dec: Decoder, item_enc: Encoder) -> tuple[Decoder, Encoder]:
    def decode(value: Any) -> tuple[Any, ...]:
        if type(value) is not list and type(value) is not tuple:
            raise _problem(FIELD_VALUE_TYPE_INVALID, value, "must be of type array")
        out = []
        errors: list[FieldError] = []
        for index, item in enumerate(value):
            try:
                out.append(item_dec(item))
            except DecodeProblems as exc:
                errors.extend(_prefixed(exc.errors, f"[{index}]"))
        if errors:
            raise DecodeProblems(errors)
        return tuple(out)

    if item_enc is None:
        return decode, list

    def encode(value: tuple[Any, ...]) -> list[Any]:
        return [item_enc(item) for item in value]

    return decode, encode


def _map_codec(value_dec: Decoder, value_enc: Encoder) -> tuple[Decoder, Encoder]:
    def decode(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _problem(FIELD_VALUE_TYPE_INVALID, value, "must be of type object")
        out = {}
        errors: list[FieldError] = []
        for key, item in value.items():
            if type(key) is not str:
                errors.append(FieldError(FIELD_VALUE_TYPE_INVALID, "", key, "keys must be strings"))
                continue
            if item is None and value_dec is _dec_str:
                item = ""  # Go decodes `key: null` in a map[string]string as ""
            try:
                out[key] = value_dec(item)
            except DecodeProblems as exc:
                errors.extend(_prefixed(exc.errors, f".{key}"))
        if errors:
            raise DecodeProblems(errors)
        return out

    if value_enc is None:
        return decode, dict

    def encode(value: dict[str, Any]) -> dict[str, Any]:
        return {key: value_enc(item) for key, item in value.items()}

    return decode, encode


# ---------------------------------------------------------------------------------------------
# struct tables


@attrs.frozen
class _Table:
    """Precomputed per-class codec: wire name -> (attribute, decoder); ordered encoders."""

    decoders: dict[str, tuple[str, Decoder]]
    encoders: tuple[tuple[str, str, Encoder, bool], ...]
    """(attribute, wire name, encoder or None for identity, omit when empty)."""


_TABLES: dict[type, _Table] = {}
_IGNORED_TOP_LEVEL = frozenset({"apiVersion", "kind"})


def _codec_for(tp: Any) -> tuple[Decoder, Encoder, bool]:
    """Compile (decoder, encoder, omit_empty) for a type hint."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *marks = typing.get_args(tp)
        if _TIME_MARK in marks:
            return _dec_time, None, False
        if _INT64_MARK in marks:
            return _dec_int64, None, False
        return _codec_for(base)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _codec_for(args[0])
        if set(args) == {int, str}:
            return _SCALARS[IntOrString][0], _SCALARS[IntOrString][1], False
        return _dec_any, None, False
    if tp in _SCALARS:
        dec, enc = _SCALARS[tp]
        return dec, enc, False
    if origin is tuple or origin is list:
        item_dec, item_enc, _ = _codec_for(typing.get_args(tp)[0])
        dec, enc = _list_codec(item_dec, item_enc)
        return dec, enc, True
    if origin is dict:
        value_dec, value_enc, _ = _codec_for(typing.get_args(tp)[1])
        dec, enc = _map_codec(value_dec, value_enc)
        return dec, enc, True
    if isinstance(tp, type) and attrs.has(tp):
        cls = tp

        def decode(value: Any) -> Any:
            return decode_struct(cls, value)

        def encode(value: Any) -> dict[str, Any]:
            return encode_struct(value)

        return decode, encode, False
    raise TypeError(f"kubelab schema: no codec for type {tp!r}")


def _build_table(cls: type) -> _Table:
    # each base class's annotations resolve in that class's own module
    hints = typing.get_type_hints(cls, include_extras=True)
    decoders: dict[str, tuple[str, Decoder]] = {}
    encoders = []
    for attribute in attrs.fields(cls):
        if not attribute.init:
            continue
        wire = attribute.metadata.get(_WIRE) or camel(attribute.name)
        dec, enc, omit_empty = _codec_for(hints[attribute.name])
        decoders[wire] = (attribute.alias or attribute.name, dec)
        encoders.append((attribute.name, wire, enc, omit_empty))
    table = _Table(decoders, tuple(encoders))
    _TABLES[cls] = table
    return table


def table_for(cls: type) -> _Table:
    """The codec table of an API class (built on first use, then cached)."""
    return _TABLES.get(cls) or _build_table(cls)


def wire_fields(cls: type) -> dict[str, str]:
    """Attribute name -> wire name for an API class (for tools and error paths)."""
    return {attr: wire for attr, wire, _, _ in table_for(cls).encoders}


def decode_struct(cls: type, value: Any) -> Any:
    """Build ``cls`` from its wire dict; raise DecodeProblems listing every bad field."""
    if not isinstance(value, dict):
        raise _problem(FIELD_VALUE_TYPE_INVALID, value, "must be of type object")
    table = _TABLES.get(cls) or _build_table(cls)
    decoders = table.decoders
    kwargs = {}
    errors: list[FieldError] | None = None
    for key, item in value.items():
        entry = decoders.get(key)
        if entry is None:
            if key in _IGNORED_TOP_LEVEL and getattr(cls, "KIND", None):
                continue
            errors = errors or []
            errors.append(FieldError(FIELD_VALUE_UNKNOWN, f".{key}", None, ""))
            continue
        if item is None:
            continue
        attr, dec = entry
        try:
            kwargs[attr] = dec(item)
        except DecodeProblems as exc:
            errors = errors or []
            errors.extend(_prefixed(exc.errors, f".{key}"))
    if errors:
        raise DecodeProblems(errors)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:  # a converter refused a value
        raise _problem(FIELD_VALUE_INVALID, value, str(exc)) from None


def encode_struct(obj: Any) -> dict[str, Any]:
    """The wire dict of an API object: camelCase keys, None and empty lists/maps omitted."""
    cls = type(obj)
    table = _TABLES.get(cls) or _build_table(cls)
    out: dict[str, Any] = {}
    kind = getattr(cls, "KIND", None)
    if kind:
        out["apiVersion"] = cls.API_VERSION  # type: ignore[attr-defined]
        out["kind"] = kind
    for attr, wire, enc, omit_empty in table.encoders:
        value = getattr(obj, attr)
        if value is None or (omit_empty and not value):
            continue
        out[wire] = value if enc is None else enc(value)
    return out


def finish_path(errors: list[FieldError]) -> list[FieldError]:
    """Turn relative codec paths (``.spec.x``) into Kubernetes field paths (``spec.x``)."""
    return [
        attrs.evolve(e, field=e.field[1:] if e.field.startswith(".") else e.field) for e in errors
    ]
