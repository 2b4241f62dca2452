"""A tree of seeded generators named by path, stable across processes and PYTHONHASHSEED.

`rng_for(seed, ("kubelet", "node-1"))` is `random.Random("<seed>/kubelet/node-1")`: seeding with
a str hashes it with SHA-512 (never `hash()`), so every process derives the same stream.
"""

from __future__ import annotations

import random
from collections.abc import Sequence


def rng_path(names: Sequence[str]) -> str:
    """The path string of a generator name path; rejects empty names and `/` inside a name."""
    for name in names:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"rng name must be a non-empty str without '/', got {name!r}")
    if not names:
        raise ValueError("rng needs at least one name, e.g. env.rng('scheduler')")
    return "/".join(names)


def rng_for(seed: int, names: Sequence[str]) -> random.Random:
    """A fresh generator for the name path under `seed`; the same path gives the same stream."""
    return random.Random(f"{seed}/{rng_path(names)}")


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


__all__ = ["RngTree", "rng_for", "rng_path"]
