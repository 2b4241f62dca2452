"""The wire codec: every contract payload round-trips; malformed bytes raise WireError only."""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.store.raft.real.wire import (
    MAX_TUPLE_DEPTH,
    FrameReader,
    WireError,
    decode,
    encode,
    encode_frame,
)
from tests.raft_real.conftest import ROOT

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


NESTED_TUPLES = """
import struct, sys
from components.store.raft.real.wire import WireError, decode, encode
inner = b"\\x90"
for _ in range(1000):  # a tuple holding a tuple ... 1000 deep, 7 bytes a level
    inner = b"\\xc9" + struct.pack(">I", len(inner) + 1) + b"\\x01\\x91" + inner
value = ()
for _ in range(1000):
    value = (value,)
for what, call in (("decode", lambda: decode(inner)), ("encode", lambda: encode(value))):
    try:
        call()
    except WireError as err:
        print(what, err)
"""


def test_deeply_nested_tuples_are_refused_not_a_crash() -> None:
    """Each tuple level is a nested C call: 7 KB of hostile bytes used to kill the process."""
    done = subprocess.run(
        [sys.executable, "-c", NESTED_TUPLES], capture_output=True, text=True, timeout=60,
        check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-300:]}"
    assert done.stdout.count(f"nested deeper than {MAX_TUPLE_DEPTH}") == 2, done.stdout


def test_tuples_as_deep_as_allowed_round_trip() -> None:
    value: object = "leaf"
    for _ in range(MAX_TUPLE_DEPTH):
        value = (value, [value] if isinstance(value, str) else None)
    assert same(decode(encode(value)), value)


TOKENS = st.sampled_from(
    [bytes([b]) for b in (0x90, 0x91, 0x92, 0x81, 0x80, 0xC0, 0xC3, 0x00, 0x7F, 0xA1, 0x61)]
    + [b"\xd4\x01", b"\xd4\x02", b"\xd5\x01", b"\xc7\x03\x01", b"\xc9\x00\x00\x00\x05\x01"]
    + [b"\xdd\xff\xff\xff\xff", b"\xdf\x00\x01\x00\x00", b"\xc6\x7f\xff\xff\xff", b"\xcb"]
)
"""MessagePack headers (arrays, maps, our extensions, huge lengths) to build hostile input
far more often than uniform random bytes do."""


@given(st.lists(TOKENS | st.binary(max_size=3), max_size=60))
@settings(max_examples=300)
def test_token_soup_decodes_or_raises_wire_error(parts: list[bytes]) -> None:
    with contextlib.suppress(WireError):
        decode(b"".join(parts))


@given(st.lists(st.binary(max_size=40), max_size=8))
@settings(max_examples=200)
def test_a_frame_reader_fed_random_chunks_raises_only_wire_error(chunks: list[bytes]) -> None:
    reader = FrameReader(max_frame=1 << 16)
    with contextlib.suppress(WireError):
        for chunk in chunks:
            reader.feed(chunk)
