"""The wire codec: every contract payload round-trips; malformed bytes raise WireError only."""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.store.raft.real.wire import (
    FrameReader,
    WireError,
    decode,
    encode,
    encode_frame,
)

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary()
)
keys = st.none() | st.booleans() | st.integers() | st.text() | st.binary()
payloads = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=5).map(tuple)
        | st.dictionaries(keys, inner, max_size=5)
    ),
    max_leaves=30,
)


def same(a: object, b: object) -> bool:
    """Equal with types kept apart (a tuple is not a list, True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)  # type: ignore[index]
    return a == b


@given(payloads)
@settings(max_examples=150)
def test_every_payload_round_trips_with_its_types(value: object) -> None:
    assert same(decode(encode(value)), value)


def test_nan_and_big_ints_round_trip() -> None:
    assert math.isnan(decode(encode(float("nan"))))
    for n in (2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**40, -(10**40)):
        assert decode(encode(n)) == n


@given(st.binary(max_size=64))
@settings(max_examples=200)
def test_random_bytes_decode_or_raise_wire_error(data: bytes) -> None:
    with contextlib.suppress(WireError):
        decode(data)


@given(payloads, st.data())
@settings(max_examples=100)
def test_a_truncated_or_flipped_payload_raises_wire_error_or_decodes(
    value: object, data: st.DataObject
) -> None:
    raw = bytearray(encode(value))
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(WireError):
        decode(bytes(raw[:cut]))  # a prefix of one value is never a whole value
    raw[cut] ^= data.draw(st.integers(1, 255))
    with contextlib.suppress(WireError):
        decode(bytes(raw))


def test_unsupported_types_are_refused_when_encoding() -> None:
    with pytest.raises(WireError, match="set"):
        encode({"a": {1, 2}})
    with pytest.raises(WireError, match="object"):
        encode([object()])


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x91" * 100_000 + b"\xc0", "StackError"),  # an array nested 100,000 deep
        (b"\x81\x91\xc0\xc0", "unhashable"),  # a dict keyed by a list
        (b"\xd4\x05\x00", "unknown extension"),  # an extension type we never write
        (b"\xd4\x01\x00", "not an array"),  # a "tuple" whose body is not an array
        (b"\xa2\xff\xfe", "UnicodeDecodeError"),  # a str that is not UTF-8
        (b"\x01\x02", "ExtraData"),  # two values where one was framed
    ],
    ids=["depth-bomb", "unhashable-key", "unknown-ext", "bad-tuple", "bad-utf8", "extra"],
)
def test_hostile_bytes_are_refused_with_a_reason(data: bytes, why: str) -> None:
    with pytest.raises(WireError, match=why):
        decode(data)


@given(st.lists(payloads, max_size=6), st.data())
@settings(max_examples=100)
def test_frame_reader_splits_a_stream_cut_anywhere(
    values: list[object], data: st.DataObject
) -> None:
    stream = b"".join(encode_frame(v) for v in values)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=5)))
    reader = FrameReader()
    got: list[object] = []
    start = 0
    for cut in [*cuts, len(stream)]:
        got += reader.feed(stream[start:cut])
        start = cut
    assert len(got) == len(values)
    assert all(same(a, b) for a, b in zip(got, values, strict=True))
    assert reader.pending == 0


def test_frame_reader_refuses_an_oversized_length() -> None:
    reader = FrameReader(max_frame=1024)
    with pytest.raises(WireError, match="larger"):
        reader.feed(b"\xff\xff\xff\x7f" + b"x")
