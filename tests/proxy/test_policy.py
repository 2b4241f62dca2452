"""Ingress NetworkPolicy by source IP: isolation, the union of rules, peers and ports."""

from __future__ import annotations

import pytest

from components.proxy import make_policy_engine
from kernel.interfaces.network_policy import PolicyEngine
from kernel.registry import check_implements
from tests.proxy.objects import namespace, pod, policy

WEB = pod("web", "127.128.0.10", {"app": "web"}, ports=[{"name": "http", "containerPort": 8080}])
FRONT = pod("front", "127.128.0.20", {"role": "frontend"})
OTHER = pod("other", "127.128.0.21", {"role": "other"})
MON = pod("mon", "127.128.1.5", {"role": "frontend"}, ns="monitoring")
NAMESPACES = [namespace("default"), namespace("monitoring", {"team": "ops"})]


def engine(*policies):
    e = make_policy_engine()
    e.sync(list(policies), [WEB, FRONT, OTHER, MON], NAMESPACES)
    return e


def allows(e, src: str, port: int = 8080, dst: str = "127.128.0.10", proto: str = "TCP") -> bool:
    return e.allows(src, dst, port, proto)


SELECT_WEB = {"podSelector": {"matchLabels": {"app": "web"}}}


def test_the_reference_implements_the_contract() -> None:
    check_implements(make_policy_engine(), PolicyEngine)


def test_without_policies_everything_is_allowed() -> None:
    e = engine()
    assert allows(e, FRONT.status.pod_ip)
    assert allows(e, "10.1.2.3")


def test_a_selected_pod_with_no_rules_denies_everything() -> None:
    e = engine(policy("deny", {**SELECT_WEB, "policyTypes": ["Ingress"]}))
    assert not allows(e, "127.128.0.20")
    assert not allows(e, "10.1.2.3")
    assert allows(e, "127.128.0.10", dst="127.128.0.20")  # front is not selected


def test_an_egress_only_policy_does_not_isolate_for_ingress() -> None:
    e = engine(policy("eg", {**SELECT_WEB, "policyTypes": ["Egress"]}))
    assert allows(e, "127.128.0.21")


def test_pod_selector_peers_are_in_the_policys_namespace() -> None:
    rule = {"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}]}
    e = engine(policy("p", {**SELECT_WEB, "ingress": [rule]}))
    assert allows(e, "127.128.0.20")
    assert not allows(e, "127.128.0.21")  # wrong labels
    assert not allows(e, "127.128.1.5")  # right labels, other namespace


def test_namespace_selector_peers_match_namespace_labels_and_the_name_label() -> None:
    by_label = {"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}]}
    e = engine(policy("p", {**SELECT_WEB, "ingress": [by_label]}))
    assert allows(e, "127.128.1.5")
    assert not allows(e, "127.128.0.20")
    by_name = {
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "default"}}}]
    }
    e = engine(policy("p", {**SELECT_WEB, "ingress": [by_name]}))
    assert allows(e, "127.128.0.21")
    assert not allows(e, "127.128.1.5")


def test_namespace_and_pod_selector_together_need_both() -> None:
    both = {
        "from": [
            {
                "namespaceSelector": {"matchLabels": {"team": "ops"}},
                "podSelector": {"matchLabels": {"role": "frontend"}},
            }
        ]
    }
    e = engine(policy("p", {**SELECT_WEB, "ingress": [both]}))
    assert allows(e, "127.128.1.5")
    assert not allows(e, "127.128.0.20")


def test_ip_blocks_with_exceptions() -> None:
    rule = {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.9.0.0/16"]}}]}
    e = engine(policy("p", {**SELECT_WEB, "ingress": [rule]}))
    assert allows(e, "10.1.2.3")
    assert not allows(e, "10.9.1.1")
    assert not allows(e, "127.128.0.20")


@pytest.mark.parametrize(
    ("ports", "port", "proto", "allowed"),
    [
        ([{"port": 8080}], 8080, "TCP", True),
        ([{"port": 8080}], 8081, "TCP", False),
        ([{"port": 8080}], 8080, "UDP", False),
        ([{"port": 8080, "protocol": "UDP"}], 8080, "UDP", True),
        ([{"port": "http"}], 8080, "TCP", True),  # named: the destination's container port
        ([{"port": "http"}], 80, "TCP", False),
        ([{"port": "nope"}], 8080, "TCP", False),
        ([{"port": 8000, "endPort": 8100}], 8080, "TCP", True),
        ([{"port": 8000, "endPort": 8050}], 8080, "TCP", False),
        ([{"protocol": "TCP"}], 1234, "TCP", True),
    ],
)
def test_rule_ports(ports, port, proto, allowed) -> None:
    e = engine(policy("p", {**SELECT_WEB, "ingress": [{"ports": ports}]}))
    assert allows(e, "127.128.0.20", port, proto=proto) is allowed


def test_the_allowed_traffic_is_the_union_of_every_selecting_policy() -> None:
    a = policy(
        "a",
        {
            **SELECT_WEB,
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}]}],
        },
    )
    b = policy(
        "b", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}
    )
    e = engine(a, b)
    assert allows(e, "127.128.0.20")
    assert allows(e, "10.0.0.1")
    assert not allows(e, "127.128.0.21")


def test_an_empty_rule_allows_everything_and_finished_pods_are_no_sources() -> None:
    e = engine(policy("p", {**SELECT_WEB, "ingress": [{}]}))
    assert allows(e, "1.2.3.4")
    rule = {"from": [{"podSelector": {}}]}
    e = make_policy_engine()
    gone = pod("gone", "127.128.0.30", ns="default", phase="Succeeded")
    e.sync([policy("p", {**SELECT_WEB, "ingress": [rule]})], [WEB, gone], NAMESPACES)
    assert not e.allows("127.128.0.30", "127.128.0.10", 8080, "TCP")
