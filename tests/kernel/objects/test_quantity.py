"""Quantities parse and print exactly as Kubernetes' resource.Quantity does."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.objects import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    IntOrString,
    Quantity,
    QuantityError,
)

# (input, canonical output) pairs from Kubernetes' documentation and quantity tests.
CANONICAL = [
    ("0", "0"),
    ("0n", "0"),
    ("0u", "0"),
    ("0m", "0"),
    ("0Ki", "0"),
    ("0k", "0"),
    ("0Mi", "0"),
    ("0e3", "0"),
    ("250m", "250m"),
    ("1.5Gi", "1536Mi"),
    ("128974848", "128974848"),
    ("129e6", "129e6"),
    ("129M", "129M"),
    ("123Mi", "123Mi"),
    ("1e3", "1e3"),
    ("1E3", "1e3"),
    ("0.5", "500m"),
    ("1.5", "1500m"),
    ("0.1", "100m"),
    ("0.0001", "100u"),
    ("1000", "1k"),
    ("1500", "1500"),
    ("100.035k", "100035"),
    ("1.1E-3", "1100e-6"),
    ("12e4", "120e3"),
    ("1Ki", "1Ki"),
    ("1024Ki", "1Mi"),
    ("1024Mi", "1Gi"),
    ("8Ki", "8Ki"),
    ("7Mi", "7Mi"),
    ("6Gi", "6Gi"),
    ("5Ti", "5Ti"),
    ("4Pi", "4Pi"),
    ("3Ei", "3Ei"),
    ("5n", "5n"),
    ("4u", "4u"),
    ("3m", "3m"),
    ("9", "9"),
    ("8k", "8k"),
    ("7M", "7M"),
    ("6G", "6G"),
    ("5T", "5T"),
    ("4P", "4P"),
    ("3E", "3E"),
    ("0.9Gi", "966367641600m"),
    ("0.5Ki", "512"),
    ("1.5n", "2n"),
    ("0.1n", "1n"),
    ("-1", "-1"),
    ("-0.5", "-500m"),
    ("-1.5Gi", "-1536Mi"),
    ("+1", "1"),
    (".5", "500m"),
    ("5.", "5"),
    ("1.G", "1G"),
    ("007", "7"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL)
def test_parse_then_print_is_canonical(text: str, canonical: str) -> None:
    assert str(Quantity.parse(text)) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lots",
        "1.4.5",
        "1e",
        "1i",
        "1Gk",
        "1KiB",
        "1 Gi",
        "Gi",
        "-",
        "+",
        ".",
        "1Q",
        "1mi",
        "1Mi1",
        "1e3.5",
        "ping",
        " 1",
    ],
)
def test_malformed_quantities_are_rejected(text: str) -> None:
    with pytest.raises(QuantityError):
        Quantity.parse(text)


def test_numbers_parse_as_json_numbers_do() -> None:
    assert str(Quantity.parse(2)) == "2"
    assert str(Quantity.parse(0.5)) == "500m"
    with pytest.raises(QuantityError):
        Quantity.parse(True)  # type: ignore[arg-type]


def test_value_accessors_round_up_like_kubernetes() -> None:
    assert Quantity.parse("250m").milli_value() == 250
    assert Quantity.parse("250m").value() == 1
    assert Quantity.parse("1.5Gi").value() == 1610612736
    assert Quantity.parse("1n").milli_value() == 1
    assert Quantity.parse("-1n").milli_value() == -1
    assert Quantity.parse("2").milli_value() == 2000
    assert Quantity.parse("1.5Gi").as_fraction() == Fraction(3, 2) * 2**30


def test_comparison_is_by_value_across_formats() -> None:
    assert Quantity.parse("1k") == Quantity.parse("1e3") == Quantity.parse("1000")
    assert Quantity.parse("1Ki") > Quantity.parse("1k")
    assert Quantity.parse("999m") < Quantity.parse("1")
    assert Quantity.parse("100m").cmp("0.1") == 0
    assert sorted(Quantity.parse(t) for t in ["1Gi", "1G", "1Mi"]) == [
        Quantity.parse("1Mi"),
        Quantity.parse("1G"),
        Quantity.parse("1Gi"),
    ]
    assert len({Quantity.parse("1k"), Quantity.parse("1000")}) == 1


def test_arithmetic_is_exact_and_keeps_the_left_format() -> None:
    total = Quantity.parse("100m") + Quantity.parse("200m") + Quantity.parse("0.7")
    assert str(total) == "1"
    assert str(Quantity.parse("1Gi") - Quantity.parse("512Mi")) == "512Mi"
    assert str(Quantity.parse("0") + Quantity.parse("1Ki")) == "1Ki"
    assert str(Quantity.parse("250m") * 4) == "1"
    assert str(-Quantity.parse("1Mi")) == "-1Mi"


def test_constructors() -> None:
    assert str(Quantity.from_milli(250)) == "250m"
    assert str(Quantity.from_int(2**30, BINARY_SI)) == "1Gi"
    assert str(Quantity.from_int(1000, DECIMAL_EXPONENT)) == "1e3"
    assert Quantity.from_int(5).format == DECIMAL_SI


def test_binary_values_below_one_print_decimal() -> None:
    q = Quantity.parse("0.5Ki")
    assert q.value() == 512
    assert str(Quantity.parse("0.001Ki")) == "1024m"


@given(
    st.integers(-(10**24), 10**24),
    st.sampled_from([DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT]),
)
def test_printed_form_parses_back_to_the_same_value(nanos: int, fmt: str) -> None:
    """The printed form keeps the value; printing is stable from the first re-parse on.

    As in Kubernetes, a BinarySI amount that is no multiple of 1024 prints without a suffix
    (``405051043000``), which parses back as DecimalSI and then prints ``405051043k``.
    """
    q = Quantity(nanos, fmt)
    again = Quantity.parse(str(q))
    assert again == q
    assert str(Quantity.parse(str(again))) == str(again)
    if fmt != BINARY_SI or str(q)[-1:] == "i":
        assert str(again) == str(q)


def test_binary_amount_without_a_binary_suffix_reparses_as_decimal() -> None:
    q = Quantity(405051043 * 10**12, BINARY_SI)
    assert str(q) == "405051043000"
    assert str(Quantity.parse(str(q))) == "405051043k"


@given(st.integers(0, 10**6), st.sampled_from(["", "k", "M", "Ki", "Mi", "m", "e3", "Gi"]))
def test_parse_value_matches_suffix_arithmetic(number: int, suffix: str) -> None:
    scale = {
        "": 1,
        "k": 10**3,
        "M": 10**6,
        "Ki": 2**10,
        "Mi": 2**20,
        "m": Fraction(1, 1000),
        "e3": 10**3,
        "Gi": 2**30,
    }[suffix]
    assert Quantity.parse(f"{number}{suffix}").as_fraction() == number * scale


def test_int_or_string() -> None:
    assert IntOrString(8080).is_int
    assert not IntOrString("http").is_int
    assert IntOrString("25%").scaled_value(10, round_up=True) == 3
    assert IntOrString("25%").scaled_value(10, round_up=False) == 2
    assert IntOrString(4).scaled_value(10, round_up=True) == 4
    with pytest.raises(ValueError, match="invalid value"):
        IntOrString("http").scaled_value(10, round_up=True)


def test_binary_quantity_without_binary_suffix_reads_back_as_decimal() -> None:
    """Kubernetes: BinarySI 5000 prints "5000", which parses as DecimalSI and prints "5k"."""
    binary = Quantity(5000 * 10**9, BINARY_SI)
    assert str(binary) == "5000"
    back = Quantity.parse(str(binary))
    assert back == binary
    assert (back.format, str(back)) == (DECIMAL_SI, "5k")
