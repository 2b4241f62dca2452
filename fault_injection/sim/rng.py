"""A tree of random generators derived from one seed, one per named component.

Why: if every component drew from one shared generator, adding a message in one place would
shift every later draw everywhere, and a test of one link's loss counts would depend on all
traffic. Deriving `random.Random(f"{seed}/{name}")` per name keeps components independent yet
all fixed by the seed. (Seeding with a str hashes it with SHA-512, independent of PYTHONHASHSEED.)
"""

from __future__ import annotations

import random


class RngTree:
    """Derives independent, reproducible `random.Random` generators from one seed by name."""

    def __init__(self, seed: int, path: str = "") -> None:
        self.seed = seed
        self.path = path

    def rng(self, name: str) -> random.Random:
        """A fresh generator for component `name`; the same name always gives the same stream."""
        return random.Random(f"{self.seed}/{self.path}{name}")

    def child(self, name: str) -> RngTree:
        """A subtree for `name`, so a component can derive its own named generators."""
        return RngTree(self.seed, f"{self.path}{name}/")
