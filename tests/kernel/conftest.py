"""Fixtures for the kernel tests: a throw-away "student package" outside kubelab."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SAMPLES = '''
"""Implementations written the way a student would, good and bad, for registry tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from typing import TYPE_CHECKING

from kernel.interfaces.store import Store

if TYPE_CHECKING:
    from nowhere import OnlyForCheckers
from kernel.registry import interface_members

# A store with every method of the contract (copied from the Protocol, so signatures and
# async-ness are exactly right) except the ones named.
def store_without(*missing):
    members = {k: v for k, v in interface_members(Store).items() if k not in missing}
    return type("PartialStore", (), members)

FullStore = store_without()
HalfStore = store_without("compact")


@asynccontextmanager
async def open_half_store() -> AsyncIterator[HalfStore]:
    yield HalfStore()


@asynccontextmanager
async def open_full_store(*, path: str = "") -> AsyncIterator[FullStore]:
    yield FullStore()


async def open_unknown_store(**options):
    """No annotation: what it builds can only be checked once it has built it."""


class GoodScheduler:
    name = "good"

    def __init__(self, *, env, clock, rng, weight: int = 1) -> None:
        self.weight = weight

    def schedule_one(self, pod, snapshot):
        return None

    async def run(self, client) -> None:
        return None


class SyncRunScheduler:
    name = "sync"

    def __init__(self, **options) -> None:
        pass

    def schedule_one(self, pod, snapshot):
        return None

    def run(self, client) -> None:
        return None


class NamelessScheduler:
    def __init__(self, *, clock, rng) -> None:
        pass

    def schedule_one(self, pod, snapshot):
        return None

    async def run(self, client) -> None:
        return None


class ShortScheduler:
    name = "short"

    def __init__(self, *, clock, rng) -> None:
        pass

    def schedule_one(self, pod):
        return None

    async def run(self, client) -> None:
        return None


def make_scheduler(*, env, clock, rng, **options) -> GoodScheduler:
    return GoodScheduler(env=env, clock=clock, rng=rng)


def needs_seed(*, env, clock, rng, seed: int) -> GoodScheduler:
    return GoodScheduler(env=env, clock=clock, rng=rng)


def forgets_rng(*, env, clock) -> GoodScheduler:
    return GoodScheduler(env=env, clock=clock, rng=None)


def forgets_env(*, clock, rng) -> GoodScheduler:
    return GoodScheduler(env=None, clock=clock, rng=rng)


def typed_params(*, env, clock: OnlyForCheckers, rng, **options) -> GoodScheduler:
    """A parameter annotation that names a type imported only under TYPE_CHECKING."""
    return GoodScheduler(env=env, clock=clock, rng=rng)


NOT_CALLABLE = 3
'''


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of an importable module of sample implementations (outside kubelab)."""
    root: Path = tmp_path_factory.mktemp("student")
    (root / "kubelab_samples.py").write_text(SAMPLES)
    sys.path.insert(0, str(root))
    try:
        yield "kubelab_samples"
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("kubelab_samples", None)
