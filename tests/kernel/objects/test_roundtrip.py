"""Round trips: object -> JSON -> object and manifest YAML -> object -> YAML, for every kind.

The strategies are derived from the schema itself (type hints of the API classes), so every field
of every kind is exercised, including ones added later.
"""

from __future__ import annotations

import json
import string
import types
import typing
from functools import cache
from typing import Annotated, Any, Union

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernel.objects as ko
from kernel.objects import IntOrString, KubeObject, Quantity
from kernel.objects._schema import INT32_RANGE, INT64_RANGE

KINDS = [info.cls for info in ko.RESOURCES]
MAX_DEPTH = 5

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=8,
)
_TIMES = st.sampled_from(
    ["2024-02-29T12:00:00Z", "2026-11-29T13:00:00.123456Z", "2021-01-01T00:00:00+02:00"]
)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | _TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_TEXT, inner, max_size=2),
    max_leaves=4,
)
_QUANTITIES = st.builds(
    Quantity,
    nanos=st.integers(-(10**21), 10**21) | st.integers(0, 2**20).map(lambda n: n * 10**9),
    format=st.sampled_from([ko.DECIMAL_SI, ko.BINARY_SI, ko.DECIMAL_EXPONENT]),
)
_INT_OR_STRING = st.builds(IntOrString, st.integers(0, 70000) | _TEXT)


def _strategy(tp: Any, depth: int) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return st.integers(*INT64_RANGE) if typing.get_args(tp)[0] is int else _TIMES
    if origin is Union or origin is types.UnionType:
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return st.none() | _strategy(inner, depth)
    if origin is tuple:
        return st.lists(_strategy(typing.get_args(tp)[0], depth), max_size=2).map(tuple)
    if origin is dict:
        return st.dictionaries(_TEXT, _strategy(typing.get_args(tp)[1], depth), max_size=2)
    simple = {
        str: _TEXT,
        int: st.integers(*INT32_RANGE),
        bool: st.booleans(),
        Any: _JSONISH,
        Quantity: _QUANTITIES,
        IntOrString: _INT_OR_STRING,
    }
    if tp in simple:
        return simple[tp]
    assert attrs.has(tp), tp
    return objects_of(tp, depth + 1)


@cache
def objects_of(cls: type, depth: int = 0) -> st.SearchStrategy[Any]:
    """Random instances of an API class, every field drawn from its declared type."""
    if depth > MAX_DEPTH:
        return st.just(cls())
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = {
        a.alias: st.deferred(lambda tp=hints[a.name]: _strategy(tp, depth))
        for a in attrs.fields(cls)
        if a.init
    }
    return st.builds(cls, **fields)


ANY_OBJECT = st.sampled_from(KINDS).flatmap(objects_of)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(ANY_OBJECT)
def test_object_survives_json_round_trip(obj: KubeObject) -> None:
    wire = json.loads(json.dumps(ko.to_dict(obj)))
    back = ko.from_dict(wire)
    assert back == obj
    assert ko.to_dict(back) == wire


@SETTINGS
@given(st.lists(ANY_OBJECT, min_size=1, max_size=3))
def test_manifest_survives_yaml_round_trip(objs: list[KubeObject]) -> None:
    text = ko.dump_yaml(objs)
    loaded = ko.load_manifests(text, source="gen.yaml")
    assert loaded == objs
    # Written text is stable from the first load on. (Not always from the very first dump: as
    # in Kubernetes, a BinarySI quantity with no binary suffix, 5000, prints "5000" and reads
    # back as DecimalSI, which prints "5k"; the value is the same.)
    again = ko.dump_yaml(loaded)
    assert ko.dump_yaml(ko.load_manifests(again, source="again.yaml")) == again


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.KIND)
def test_wire_dict_starts_with_api_version_and_kind(cls: type[KubeObject]) -> None:
    wire = ko.to_dict(cls())
    assert list(wire)[:2] == ["apiVersion", "kind"]
    assert (wire["apiVersion"], wire["kind"]) == (cls.API_VERSION, cls.KIND)


def test_printable_alphabet_round_trips_through_yaml() -> None:
    pod = ko.Pod(metadata=ko.ObjectMeta(name="x", annotations={"a": string.printable}))
    assert ko.load_manifests(ko.dump_yaml([pod])) == [pod]
