"""Resource quantities (``250m``, ``1.5Gi``) and ``IntOrString``, exactly as Kubernetes has them.

A `Quantity` holds an exact value (an integer count of nano-units, because Kubernetes rounds every
quantity up to 1n) plus the *format* its suffix implied, which decides how it prints. Printing
follows Kubernetes' canonical form: no fractional digits, the largest exponent that loses nothing
(``0.5`` prints ``500m``, ``1.5Gi`` prints ``1536Mi``, ``1e3`` stays ``1e3``).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, Literal

import attrs

__all__ = [
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "DECIMAL_SI",
    "IntOrString",
    "Quantity",
    "QuantityError",
]

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"
QuantityFormat = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

_NANO = 10**9
_MAX_INT64 = 2**63 - 1
_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {exp: suffix for suffix, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_POWER = {power // 10: suffix for suffix, power in _BINARY_SUFFIXES.items()}
# sign, integer digits, optional fraction, suffix letters, optional signed exponent digits
_QUANTITY_RE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([-+]?[0-9]*)")
QUANTITY_REGEX_MESSAGE = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


class QuantityError(ValueError):
    """A string is not a Kubernetes quantity; the message says which rule it broke."""


def _round_away(numerator: int, denominator: int) -> int:
    """Divide, rounding away from zero (Kubernetes rounds quantities *up* in magnitude)."""
    q, r = divmod(abs(numerator), denominator)
    if r:
        q += 1
    return q if numerator >= 0 else -q


def _interpret_suffix(suffix: str) -> tuple[int, int, str]:
    """Return (base, exponent, format) for a quantity suffix, as Kubernetes' suffixer does."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        try:
            return 10, int(suffix[1:]), DECIMAL_EXPONENT
        except ValueError:
            pass
    raise QuantityError("unable to parse quantity's suffix")


@attrs.frozen(eq=False, repr=False)
class Quantity:
    """An exact resource amount with Kubernetes' parse, print, compare and arithmetic rules.

    Build one with `Quantity.parse("250m")` (or the ``from_*`` constructors); `str()` gives the
    canonical wire form. Equality and ordering compare values only, like Kubernetes' ``Cmp``.
    """

    nanos: int
    """The value in units of 10**-9 (every Kubernetes quantity is a whole number of nanos)."""
    format: str = DECIMAL_SI
    """How the value prints: ``DecimalSI`` (k, M, m...), ``BinarySI`` (Ki, Mi...) or
    ``DecimalExponent`` (1e3)."""
    _text: str = attrs.field(init=False, default="", alias="_text")

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_text", _canonical(self.nanos, self.format))

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | int | float) -> Quantity:
        """Parse a quantity string (numbers are accepted as JSON allows); raise QuantityError."""
        if isinstance(text, bool):
            raise QuantityError(QUANTITY_REGEX_MESSAGE)
        if isinstance(text, int):
            return cls(text * _NANO, DECIMAL_SI)
        if isinstance(text, float):
            text = repr(text)
        if not isinstance(text, str) or not text:
            raise QuantityError(QUANTITY_REGEX_MESSAGE)
        match = _QUANTITY_RE.fullmatch(text)
        if match is None:
            raise QuantityError(QUANTITY_REGEX_MESSAGE)
        sign, whole, fraction, letters, exponent_digits = match.groups()
        fraction = fraction or ""
        if not whole and not fraction:  # at least one digit: "." and "Gi" are not quantities
            raise QuantityError(QUANTITY_REGEX_MESSAGE)
        suffix = letters + exponent_digits
        if exponent_digits and (not letters or letters[-1] not in "eE"):
            # digits after a suffix are only allowed as an exponent: 1e3, 1E-2
            raise QuantityError(QUANTITY_REGEX_MESSAGE)
        base, exponent, fmt = _interpret_suffix(suffix)
        amount = Fraction(int((whole or "0") + fraction), 10 ** len(fraction))
        amount *= Fraction(base) ** exponent
        if fmt == BINARY_SI and amount > _MAX_INT64:
            amount = Fraction(_MAX_INT64)
        if fmt == BINARY_SI and 0 < amount < 1:
            fmt = DECIMAL_SI
        scaled = amount * _NANO
        nanos = _round_away(scaled.numerator, scaled.denominator)
        return cls(-nanos if sign == "-" else nanos, fmt)

    @classmethod
    def from_int(cls, value: int, fmt: str = DECIMAL_SI) -> Quantity:
        """A whole-unit quantity, e.g. ``Quantity.from_int(2 ** 30, BINARY_SI)`` prints ``1Gi``."""
        return cls(value * _NANO, fmt)

    @classmethod
    def from_milli(cls, milli: int, fmt: str = DECIMAL_SI) -> Quantity:
        """A quantity of ``milli`` thousandths, e.g. ``from_milli(250)`` prints ``250m``."""
        return cls(milli * 10**6, fmt)

    # -- accessors ------------------------------------------------------------------------
    def value(self) -> int:
        """The value in whole units, rounded up (away from zero) like Kubernetes' ``Value()``."""
        return _round_away(self.nanos, _NANO)

    def milli_value(self) -> int:
        """The value in thousandths, rounded up like Kubernetes' ``MilliValue()``."""
        return _round_away(self.nanos, 10**6)

    def as_fraction(self) -> Fraction:
        """The exact value as a Fraction (for arithmetic that must not round)."""
        return Fraction(self.nanos, _NANO)

    def is_zero(self) -> bool:
        return self.nanos == 0

    def sign(self) -> int:
        """-1, 0 or 1."""
        return (self.nanos > 0) - (self.nanos < 0)

    # -- arithmetic and comparison ----------------------------------------------------------
    def _other_nanos(self, other: object) -> int:
        if isinstance(other, Quantity):
            return other.nanos
        if isinstance(other, int) and not isinstance(other, bool):
            return other * _NANO
        if isinstance(other, str):
            return Quantity.parse(other).nanos
        return NotImplemented  # type: ignore[return-value]

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other.format if self.nanos == 0 else self.format
        return Quantity(self.nanos + other.nanos, fmt)

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other.format if self.nanos == 0 else self.format
        return Quantity(self.nanos - other.nanos, fmt)

    def __neg__(self) -> Quantity:
        return Quantity(-self.nanos, self.format)

    def __mul__(self, factor: int) -> Quantity:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Quantity(self.nanos * factor, self.format)

    __rmul__ = __mul__

    def cmp(self, other: Quantity | int | str) -> int:
        """-1, 0 or 1 as self is less than, equal to or greater than other."""
        theirs = self._other_nanos(other)
        return (self.nanos > theirs) - (self.nanos < theirs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos == other.nanos

    def __hash__(self) -> int:
        return hash(self.nanos)

    def __lt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos < other.nanos

    def __le__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos <= other.nanos

    def __gt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos > other.nanos

    def __ge__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos >= other.nanos

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Quantity({self._text!r})"


def _canonical(nanos: int, fmt: str) -> str:
    """Kubernetes' canonical text for a value: no fraction digits, the largest exact suffix."""
    if nanos == 0:
        return "0"
    sign = "-" if nanos < 0 else ""
    magnitude = abs(nanos)
    if fmt == BINARY_SI and magnitude >= 1024 * _NANO and magnitude % _NANO == 0:
        whole = magnitude // _NANO
        power = 0
        while power < 6 and whole % 1024 == 0:
            whole //= 1024
            power += 1
        return f"{sign}{whole}{_BINARY_BY_POWER.get(power, '')}"
    mantissa, exponent = magnitude, -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    if fmt != DECIMAL_EXPONENT and exponent in _DECIMAL_BY_EXPONENT:
        return f"{sign}{mantissa}{_DECIMAL_BY_EXPONENT[exponent]}"
    return f"{sign}{mantissa}" if exponent == 0 else f"{sign}{mantissa}e{exponent}"


def to_quantity(value: Any) -> Quantity:
    """Attrs converter: accept a Quantity, a quantity string or a number."""
    if isinstance(value, Quantity):
        return value
    return Quantity.parse(value)


def to_quantity_map(value: Any) -> dict[str, Quantity]:
    """Attrs converter for resource lists: parse every value that is not yet a Quantity."""
    if value is None:
        return {}
    for item in value.values():
        if not isinstance(item, Quantity):
            return {k: to_quantity(v) for k, v in value.items()}
    return value


@attrs.frozen
class IntOrString:
    """A value that is either an integer or a string (ports by number or name, ``25%``)."""

    value: int | str

    @property
    def is_int(self) -> bool:
        return isinstance(self.value, int)

    def scaled_value(self, total: int, *, round_up: bool) -> int:
        """An absolute count: the int itself, or ``total * percent / 100`` for ``"NN%"``.

        Raises ValueError for strings that are not percentages (Kubernetes'
        GetScaledValueFromIntOrPercent).
        """
        if isinstance(self.value, int):
            return self.value
        text = self.value
        if not text.endswith("%") or not text[:-1].isdigit():
            raise ValueError(f"invalid value for IntOrString: invalid value {text!r}")
        percent = int(text[:-1])
        whole, rest = divmod(total * percent, 100)
        return whole + 1 if round_up and rest else whole

    def __str__(self) -> str:
        return str(self.value)


def to_int_or_string(value: Any) -> IntOrString | None:
    """Attrs converter: wrap a bare int or str into IntOrString (None stays None)."""
    if value is None or isinstance(value, IntOrString):
        return value
    return IntOrString(value)
