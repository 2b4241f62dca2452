"""The reference proxy's decisions: the table rules, spreading, affinity, fallback, feedback."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.proxy import ReferenceProxy, build_table, make_proxy
from kernel.interfaces.proxy import Backend, Proxy
from kernel.registry import check_implements
from tests.proxy.objects import endpoint, service, slice_

IP = "127.96.1.1"


def proxy_with(n: int, mode: str = "round-robin", **svc: object) -> ReferenceProxy:
    p = make_proxy(rng=random.Random(1), mode=mode)
    eps = [endpoint(f"127.128.0.{i + 1}") for i in range(n)]
    p.sync([service("web", IP, **svc)], [slice_("web", eps)])  # type: ignore[arg-type]
    return p


def pick(p: ReferenceProxy, client: str = "127.128.9.9", now: float = 0.0, **kw: object) -> Backend:
    b = p.select_backend(IP, 80, "TCP", client, now, **kw)  # type: ignore[arg-type]
    assert b is not None
    return b


def test_the_reference_implements_the_contract() -> None:
    check_implements(make_proxy(rng=random.Random(0)), Proxy)


def test_an_unknown_mode_is_refused_naming_the_option() -> None:
    with pytest.raises(ValueError, match=r"mode \"fastest\""):
        make_proxy(rng=random.Random(0), mode="fastest")


# ----------------------------------------------------------------------------- the table


def test_headless_and_external_name_services_have_no_entries() -> None:
    ext = service("e", "", type_="ExternalName")
    table = build_table([service("h", "None"), ext, service("web", IP)], [])
    assert [(e.name, e.backends) for e in table] == [("web", ())]


def test_ports_match_by_name_and_protocol_and_backends_use_the_slice_port() -> None:
    ports = [{"name": "http", "port": 80}, {"name": "dns", "port": 53, "protocol": "UDP"}]
    s = slice_(
        "web",
        [endpoint("127.128.0.2"), endpoint("127.128.0.1")],
        [
            {"name": "http", "port": 8080},
            {"name": "dns", "port": 5353, "protocol": "UDP"},
            {"name": "other", "port": 9},
        ],
    )
    table = build_table([service("web", IP, ports)], [s])
    got = {(e.port_name, e.port, e.protocol): e.backends for e in table}
    assert got[("http", 80, "TCP")] == (Backend("127.128.0.1", 8080), Backend("127.128.0.2", 8080))
    assert got[("dns", 53, "UDP")] == (Backend("127.128.0.1", 5353), Backend("127.128.0.2", 5353))


def test_not_ready_endpoints_are_not_backends_and_slices_are_merged_and_deduplicated() -> None:
    a = slice_("web", [endpoint("127.128.0.1"), endpoint("127.128.0.3", ready=False)], name="a")
    b = slice_("web", [endpoint("127.128.0.1"), endpoint("127.128.0.2")], name="b")
    (entry,) = build_table([service("web", IP)], [a, b])
    assert [x.ip for x in entry.backends] == ["127.128.0.1", "127.128.0.2"]
    assert not entry.terminating_fallback


def test_serving_terminating_endpoints_are_the_fallback_only_when_none_is_ready() -> None:
    going = endpoint("127.128.0.5", ready=False, serving=True, terminating=True)
    dead = endpoint("127.128.0.6", ready=False, serving=False, terminating=True)
    (entry,) = build_table([service("web", IP)], [slice_("web", [going, dead])])
    assert [x.ip for x in entry.backends] == ["127.128.0.5"]
    assert entry.terminating_fallback
    both = slice_("web", [going, endpoint("127.128.0.7")])
    (entry,) = build_table([service("web", IP)], [both])
    assert [x.ip for x in entry.backends] == ["127.128.0.7"]
    assert not entry.terminating_fallback


def test_orphan_fqdn_and_other_namespace_slices_are_ignored() -> None:
    slices = [
        slice_("nobody", [endpoint("127.128.0.1")]),
        slice_("web", [endpoint("127.128.0.2")], ns="other"),
        slice_("web", [endpoint("127.128.0.3")], address_type="FQDN", name="f"),
    ]
    (entry,) = build_table([service("web", IP)], slices)
    assert entry.backends == ()


def test_node_ports_and_affinity_settings_are_carried() -> None:
    ports = [{"port": 80, "nodePort": 30080}]
    svc = service("np", IP, ports, type_="NodePort", affinity="ClientIP", timeout=60)
    (entry,) = build_table([svc], [])
    assert (entry.node_port, entry.session_affinity, entry.affinity_timeout_seconds) == (
        30080,
        "ClientIP",
        60,
    )
    (plain,) = build_table([service("web", IP, [{"port": 80, "nodePort": 30081}])], [])
    assert plain.node_port is None  # a ClusterIP Service has no node port


@given(st.permutations(list(range(6))), st.integers(0, 5))
def test_the_table_does_not_depend_on_object_order(order: list[int], split: int) -> None:
    eps = [endpoint(f"127.128.0.{i + 1}", ready=i % 3 != 0) for i in range(6)]
    services = [service(f"s{i}", f"127.96.1.{i + 1}") for i in range(3)]
    slices = [
        slice_(
            f"s{i % 3}",
            [eps[j] for j in order[:split]] if i < 3 else [eps[j] for j in order[split:]],
            name=f"x{i}",
        )
        for i in range(6)
    ]
    a = build_table(services, slices)
    b = build_table(list(reversed(services)), list(reversed(slices)))
    assert a == b
    assert [e.key for e in a] == sorted(e.key for e in a)


# ----------------------------------------------------------------------------- selection


def test_unknown_addresses_and_empty_services_get_none() -> None:
    p = proxy_with(0)
    assert p.select_backend(IP, 80, "TCP", "c", 0) is None
    assert p.select_backend(IP, 81, "TCP", "c", 0) is None
    assert p.select_backend("127.96.9.9", 80, "TCP", "c", 0) is None
    assert p.select_backend(IP, 80, "UDP", "c", 0) is None


def test_round_robin_visits_every_backend_in_turn() -> None:
    p = proxy_with(3)
    got = [pick(p).ip for _ in range(6)]
    assert got == ["127.128.0.1", "127.128.0.2", "127.128.0.3"] * 2


def test_random_mode_spreads_fairly_and_is_seeded() -> None:
    p, q = proxy_with(4, "random"), proxy_with(4, "random")
    a = [pick(p).ip for _ in range(4000)]
    assert a == [pick(q).ip for _ in range(4000)]
    counts = Counter(a)
    chi2 = sum((c - 1000) ** 2 / 1000 for c in counts.values())
    assert len(counts) == 4
    assert chi2 < 16.27  # p = 0.001 with 3 degrees of freedom


def test_least_connections_picks_the_backend_with_fewest_open() -> None:
    p = proxy_with(3, "least-connections")
    first = [pick(p) for _ in range(3)]
    for b in first:
        p.connection_opened(IP, 80, "TCP", b)
    p.connection_opened(IP, 80, "TCP", first[0])
    p.connection_closed(IP, 80, "TCP", first[1])
    assert pick(p) == first[1]
    p.connection_opened(IP, 80, "TCP", first[1])
    assert pick(p) in (first[1], first[2])
    assert p.open_connections(IP, 80, "TCP")[first[0]] == 2


def test_excluded_backends_are_skipped_and_all_excluded_is_none() -> None:
    p = proxy_with(3)
    everyone = frozenset(Backend(f"127.128.0.{i}", 8080) for i in (1, 2, 3))
    refusing = frozenset({Backend("127.128.0.1", 8080), Backend("127.128.0.2", 8080)})
    assert {pick(p, exclude=refusing).ip for _ in range(5)} == {"127.128.0.3"}
    assert p.select_backend(IP, 80, "TCP", "c", 0, everyone) is None


def test_client_ip_affinity_sticks_within_the_timeout_and_refreshes() -> None:
    p = proxy_with(3, affinity="ClientIP", timeout=100)
    first = pick(p, "10.0.0.1", 0)
    assert pick(p, "10.0.0.2", 1) != first  # another client moves the rotation on
    assert all(pick(p, "10.0.0.1", t) == first for t in (50, 149, 248))  # each refreshes
    assert pick(p, "10.0.0.1", 348.5) != first  # 100.5 s since the last: picked anew


def test_affinity_expires_after_the_timeout() -> None:
    p = proxy_with(2, affinity="ClientIP", timeout=10)
    first = pick(p, "10.0.0.1", 0)
    assert pick(p, "10.0.0.1", 9.9) == first
    assert pick(p, "10.0.0.1", 20) != first  # expired: round-robin moves on


def test_affinity_defaults_to_three_hours() -> None:
    p = proxy_with(2, affinity="ClientIP")
    first = pick(p, "10.0.0.1", 0)
    assert pick(p, "10.0.0.1", 10799) == first
    assert pick(p, "10.0.0.1", 10799 + 10800) != first


def test_a_removed_or_excluded_backend_loses_its_affinity() -> None:
    p = proxy_with(3, affinity="ClientIP")
    first = pick(p, "10.0.0.1", 0)
    other = pick(p, "10.0.0.1", 1, exclude=frozenset({first}))
    assert other != first
    assert pick(p, "10.0.0.1", 2) == other  # the new choice sticks
    eps = [endpoint(f"127.128.0.{i + 1}") for i in range(3) if f"127.128.0.{i + 1}" != other.ip]
    p.sync([service("web", IP, affinity="ClientIP")], [slice_("web", eps)])
    assert pick(p, "10.0.0.1", 3) != other


def test_sync_with_the_same_objects_keeps_affinity_and_rotation() -> None:
    svc = service("web", IP, affinity="ClientIP")
    s = slice_("web", [endpoint(f"127.128.0.{i}") for i in (1, 2, 3)])
    p = make_proxy(rng=random.Random(0))
    p.sync([svc], [s])
    first = pick(p, "a", 0)
    table = p.table()
    p.sync([svc], [s])
    assert p.table() == table
    assert pick(p, "a", 1) == first
    assert pick(p, "b", 1) != first


def test_node_ports_select_like_the_cluster_ip_and_share_affinity() -> None:
    p = make_proxy(rng=random.Random(0))
    svc = service(
        "np", IP, [{"port": 80, "nodePort": 30080}], type_="NodePort", affinity="ClientIP"
    )
    p.sync([svc], [slice_("np", [endpoint("127.128.0.1"), endpoint("127.128.0.2")])])
    via_node = p.select_backend("127.0.0.1", 30080, "TCP", "c", 0)
    assert via_node is not None
    assert p.select_backend(IP, 80, "TCP", "c", 1) == via_node
    assert p.select_backend("127.0.0.1", 30081, "TCP", "c", 0) is None
    assert p.select_backend("127.0.0.1", 30080, "UDP", "c", 0) is None


def test_counts_of_removed_backends_are_dropped_by_sync() -> None:
    p = proxy_with(2, "least-connections")
    b = pick(p)
    p.connection_opened(IP, 80, "TCP", b)
    p.sync([service("web", IP)], [slice_("web", [endpoint("127.128.0.9")])])
    p.connection_closed(IP, 80, "TCP", b)  # a late close of a removed backend: ignored
    assert p.open_connections(IP, 80, "TCP") == {Backend("127.128.0.9", 8080): 0}
