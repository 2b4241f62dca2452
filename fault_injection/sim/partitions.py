"""Network partitions as values: each says which directed host pairs cannot talk.

Why values: a nemesis builds one, the network applies it, the timeline records it, and a test
checks its reachability matrix, all without touching the network. Each kind answers
`blocks(src, dst)` in O(1) from a compact description (group labels, a ring position), never a
host-pairs matrix, so a partition of 5,000 hosts is as cheap as one of 5.

Kinds (Jepsen's names): isolate one host, random halves, majority/minority, majorities ring
(every host sees a majority, no two the same one), bridge (two halves joined by one host that
sees both), one-way (a reaches b, b does not reach a).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Protocol

import attrs


class Partition(Protocol):
    """A set of blocked directed links."""

    kind: str

    def blocks(self, src: str, dst: str) -> bool:
        """True if a message from `src` to `dst` is dropped."""
        ...

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description for timelines and reports."""
        ...


@attrs.frozen
class Groups:
    """Hosts in different groups cannot talk in either direction; hosts in no group are free."""

    kind: str
    """Which constructor made it (isolate, halves, majority-minority...)."""
    groups: tuple[tuple[str, ...], ...]
    """Disjoint groups of hosts."""
    _label: dict[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        label: dict[str, int] = {}
        for i, group in enumerate(self.groups):
            for host in group:
                if host in label:
                    raise ValueError(f"host {host!r} is in two partition groups")
                label[host] = i
        object.__setattr__(self, "_label", label)

    def blocks(self, src: str, dst: str) -> bool:
        a = self._label.get(src)
        b = self._label.get(dst)
        return a is not None and b is not None and a != b

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "groups": [list(g) for g in self.groups]}


@attrs.frozen
class Bridge:
    """Two sides that cannot talk to each other; the bridge host talks to both."""

    left: tuple[str, ...]
    """One side."""
    right: tuple[str, ...]
    """The other side."""
    bridge: str
    """The host in the middle."""
    kind: str = "bridge"
    _side: dict[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        side = dict.fromkeys(self.left, 0) | dict.fromkeys(self.right, 1)
        object.__setattr__(self, "_side", side)

    def blocks(self, src: str, dst: str) -> bool:
        a = self._side.get(src)
        b = self._side.get(dst)
        return a is not None and b is not None and a != b

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "left": list(self.left),
            "right": list(self.right),
            "bridge": self.bridge,
        }


@attrs.frozen
class MajoritiesRing:
    """Hosts on a ring; each receives only from the majority-sized window around itself.

    Every host sees a majority (itself included) and no two hosts see the same majority, so no
    single majority can agree, yet every host believes it is in one.
    """

    ring: tuple[str, ...]
    """Hosts in ring order."""
    kind: str = "majorities-ring"
    _pos: dict[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if len(self.ring) < 3:
            raise ValueError(f"a majorities ring needs at least 3 hosts, got {len(self.ring)}")
        object.__setattr__(self, "_pos", {h: i for i, h in enumerate(self.ring)})

    def view(self, host: str) -> tuple[str, ...]:
        """The hosts `host` receives from (a majority, itself included)."""
        n = len(self.ring)
        majority = n // 2 + 1
        before = (majority - 1) // 2
        start = self._pos[host] - before
        return tuple(self.ring[(start + k) % n] for k in range(majority))

    def blocks(self, src: str, dst: str) -> bool:
        pos = self._pos
        if src not in pos or dst not in pos:
            return False
        n = len(self.ring)
        majority = n // 2 + 1
        before = (majority - 1) // 2
        offset = (pos[src] - pos[dst] + before) % n
        return offset >= majority

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "views": {h: list(self.view(h)) for h in self.ring}}


@attrs.frozen
class OneWay:
    """Messages from `sources` to `targets` are dropped; the reverse direction still works."""

    sources: tuple[str, ...]
    """Hosts whose messages to `targets` are lost."""
    targets: tuple[str, ...]
    """Hosts that no longer hear from `sources` (but still reach them)."""
    kind: str = "one-way"
    _src: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _dst: frozenset[str] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_src", frozenset(self.sources))
        object.__setattr__(self, "_dst", frozenset(self.targets))

    def blocks(self, src: str, dst: str) -> bool:
        return src in self._src and dst in self._dst

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "sources": list(self.sources), "targets": list(self.targets)}


def _shuffled(hosts: Sequence[str], rng: random.Random) -> list[str]:
    if len(set(hosts)) != len(hosts):
        raise ValueError(f"partition hosts must be distinct, got {list(hosts)!r}")
    order = list(hosts)
    rng.shuffle(order)
    return order


def isolate(host: str, hosts: Sequence[str]) -> Groups:
    """Cut `host` off from every other host in `hosts`."""
    if host not in hosts:
        raise ValueError(f"cannot isolate {host!r}: not one of {list(hosts)!r}")
    rest = tuple(h for h in hosts if h != host)
    return Groups("isolate", ((host,), rest))


def halves(hosts: Sequence[str], rng: random.Random) -> Groups:
    """Split `hosts` at random into two halves (the first one smaller if the count is odd)."""
    order = _shuffled(hosts, rng)
    cut = len(order) // 2
    return Groups("halves", (tuple(order[:cut]), tuple(order[cut:])))


def majority_minority(
    hosts: Sequence[str], rng: random.Random, minority: int | None = None
) -> Groups:
    """A random minority (default: as large as possible) cut off from the majority."""
    order = _shuffled(hosts, rng)
    size = (len(order) - 1) // 2 if minority is None else minority
    if not 0 < size < len(order) / 2:
        raise ValueError(f"minority must be between 1 and {(len(order) - 1) // 2}, got {size}")
    return Groups("majority-minority", (tuple(order[:size]), tuple(order[size:])))


def majorities_ring(hosts: Sequence[str], rng: random.Random) -> MajoritiesRing:
    """Every host sees a different majority (hosts in random ring order; needs >= 3 hosts)."""
    return MajoritiesRing(tuple(_shuffled(hosts, rng)))


def bridge(hosts: Sequence[str], rng: random.Random) -> Bridge:
    """Two random halves that only a random bridge host connects (needs >= 3 hosts)."""
    if len(hosts) < 3:
        raise ValueError(f"a bridge partition needs at least 3 hosts, got {len(hosts)}")
    order = _shuffled(hosts, rng)
    middle = order.pop()
    cut = len(order) // 2
    return Bridge(tuple(order[:cut]), tuple(order[cut:]), middle)


def one_way(sources: Sequence[str], targets: Sequence[str]) -> OneWay:
    """`targets` stop hearing from `sources`, while `sources` still hear from `targets`."""
    return OneWay(tuple(sources), tuple(targets))


def random_one_way(hosts: Sequence[str], rng: random.Random) -> OneWay:
    """Random halves where only one direction (random) is cut."""
    split = halves(hosts, rng)
    a, b = split.groups
    return one_way(a, b) if rng.random() < 0.5 else one_way(b, a)


def reachability(partition: Partition, hosts: Sequence[str]) -> dict[str, dict[str, bool]]:
    """The matrix `m[src][dst]`: can src's messages reach dst under this partition alone."""
    return {s: {d: not partition.blocks(s, d) for d in hosts} for s in hosts}
