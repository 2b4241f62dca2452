"""Message latency distributions for simulated links: constant, uniform, exponential.

Each is a frozen value with `sample(rng)`; the network draws from the link's own seeded
generator, so a link's delays depend only on the seed and that link's traffic.
"""

from __future__ import annotations

import random
from typing import Protocol

import attrs


class Latency(Protocol):
    """A distribution of one-way delays in virtual seconds."""

    def sample(self, rng: random.Random) -> float:
        """Draw one delay (>= 0)."""
        ...


def _non_negative(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{attribute.name} must be a finite number >= 0 seconds, got {value!r}")


@attrs.frozen
class Constant:
    """Every message takes exactly `seconds`."""

    seconds: float = attrs.field(validator=_non_negative)
    """The delay."""

    def sample(self, rng: random.Random) -> float:  # noqa: ARG002 - protocol signature
        return self.seconds


@attrs.frozen
class Uniform:
    """Delays drawn uniformly from [low, high]."""

    low: float = attrs.field(validator=_non_negative)
    """Shortest delay."""
    high: float = attrs.field(validator=_non_negative)
    """Longest delay (>= low)."""

    def __attrs_post_init__(self) -> None:
        if self.high < self.low:
            raise ValueError(
                f"Uniform latency needs low <= high, got low={self.low} high={self.high}"
            )

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


@attrs.frozen
class Exponential:
    """Delays `minimum + Exp(mean - minimum)`: a floor plus a long tail, like real networks."""

    mean: float = attrs.field(validator=_non_negative)
    """Mean delay (>= minimum)."""
    minimum: float = attrs.field(default=0.0, validator=_non_negative)
    """The floor (propagation delay)."""

    def __attrs_post_init__(self) -> None:
        if self.mean < self.minimum:
            raise ValueError(
                f"Exponential latency needs mean >= minimum, got mean={self.mean} "
                f"minimum={self.minimum}"
            )

    def sample(self, rng: random.Random) -> float:
        extra = self.mean - self.minimum
        return self.minimum + (rng.expovariate(1.0 / extra) if extra > 0 else 0.0)
