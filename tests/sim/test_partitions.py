"""Every partition kind's reachability matrix, including the majorities-ring property."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fault_injection.sim import (
    bridge,
    halves,
    isolate,
    majorities_ring,
    majority_minority,
    one_way,
    random_one_way,
    reachability,
)

HOSTS = ["n1", "n2", "n3", "n4", "n5"]


def _blocked(matrix: dict[str, dict[str, bool]]) -> set[tuple[str, str]]:
    return {(s, d) for s, row in matrix.items() for d, ok in row.items() if not ok}


def test_isolate_cuts_one_host_both_ways():
    blocked = _blocked(reachability(isolate("n3", HOSTS), HOSTS))
    others = [h for h in HOSTS if h != "n3"]
    assert blocked == {("n3", h) for h in others} | {(h, "n3") for h in others}


def test_halves_are_disjoint_cover_all_and_block_exactly_across():
    p = halves(HOSTS, random.Random(1))
    a, b = p.groups
    assert sorted(a + b) == sorted(HOSTS)
    assert (len(a), len(b)) == (2, 3)
    assert _blocked(reachability(p, HOSTS)) == {(x, y) for x in a for y in b} | {
        (y, x) for x in a for y in b
    }


def test_majority_minority_sizes():
    p = majority_minority(HOSTS, random.Random(2))
    assert [len(g) for g in p.groups] == [2, 3]
    with pytest.raises(ValueError, match="minority must be"):
        majority_minority(HOSTS, random.Random(2), minority=3)


def test_bridge_host_sees_both_sides_which_do_not_see_each_other():
    p = bridge(HOSTS, random.Random(3))
    m = reachability(p, HOSTS)
    assert all(m[p.bridge][h] and m[h][p.bridge] for h in HOSTS)
    assert all(not m[x][y] and not m[y][x] for x in p.left for y in p.right)
    assert len(p.left) + len(p.right) == 4


def test_one_way_blocks_exactly_one_direction():
    m = reachability(one_way(["n2"], ["n1"]), HOSTS)
    assert m["n1"]["n2"]
    assert not m["n2"]["n1"]
    assert _blocked(m) == {("n2", "n1")}
    p = random_one_way(HOSTS, random.Random(4))
    blocked = _blocked(reachability(p, HOSTS))
    assert blocked
    assert all((d, s) not in blocked for s, d in blocked)


@given(n=st.integers(min_value=3, max_value=25), seed=st.integers(0, 10_000))
def test_majorities_ring_every_host_sees_a_distinct_majority(n, seed):
    hosts = [f"h{i}" for i in range(n)]
    p = majorities_ring(hosts, random.Random(seed))
    m = reachability(p, hosts)
    views = []
    for dst in hosts:
        heard = frozenset(src for src in hosts if m[src][dst])
        assert dst in heard
        assert len(heard) == n // 2 + 1  # exactly a majority
        assert heard == frozenset(p.view(dst))
        views.append(heard)
    assert len(set(views)) == n  # no two hosts see the same majority


def test_partitions_are_deterministic_per_rng_seed():
    assert halves(HOSTS, random.Random(9)) == halves(HOSTS, random.Random(9))
    assert majorities_ring(HOSTS, random.Random(9)) == majorities_ring(HOSTS, random.Random(9))


def test_bad_partitions_are_rejected_with_the_reason():
    with pytest.raises(ValueError, match="at least 3"):
        majorities_ring(["a", "b"], random.Random(1))
    with pytest.raises(ValueError, match="not one of"):
        isolate("zz", HOSTS)
    with pytest.raises(ValueError, match="distinct"):
        halves(["a", "a"], random.Random(1))
