"""Kubernetes' scale-down victim order, rule by rule, and as a property over random pods."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from components.controllers.victims import DELETION_COST, pods_to_delete
from kernel.objects import (
    ContainerStatus,
    ObjectMeta,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    format_time,
)

NOW = 1_800_000_000.0


def pod(
    name: str,
    *,
    node: str = "n1",
    phase: str = "Running",
    ready_at: float | None = NOW - 3600,
    created: float = NOW - 7200,
    cost: int | None = None,
    restarts: int = 0,
) -> Pod:
    conditions = ()
    if ready_at is not None:
        conditions = (
            PodCondition(type="Ready", status="True", last_transition_time=format_time(ready_at)),
        )
    return Pod(
        metadata=ObjectMeta(
            name=name,
            uid=f"uid-{name}",
            creation_timestamp=format_time(created),
            annotations={DELETION_COST: str(cost)} if cost is not None else {},
        ),
        spec=PodSpec(node_name=node or None),
        status=PodStatus(
            phase=phase,
            conditions=conditions,
            container_statuses=(ContainerStatus(name="c", restart_count=restarts),),
        ),
    )


def first(*pods: Pod) -> str:
    return pods_to_delete(pods, 1, now=NOW)[0].metadata.name or ""


def test_unscheduled_pods_go_first() -> None:
    assert first(pod("a"), pod("b", node="")) == "b"


def test_pending_before_unknown_before_running() -> None:
    assert first(pod("r"), pod("u", phase="Unknown"), pod("p", phase="Pending")) == "p"
    assert first(pod("r"), pod("u", phase="Unknown")) == "u"


def test_not_ready_before_ready() -> None:
    assert first(pod("ready"), pod("unready", ready_at=None)) == "unready"


def test_lower_deletion_cost_first() -> None:
    assert first(pod("cheap", cost=-5), pod("dear", cost=10)) == "cheap"
    assert first(pod("default"), pod("dear", cost=10)) == "default"
    assert first(pod("junk", cost=None), pod("bad", cost=5)) == "junk"


def test_doubled_up_nodes_lose_a_pod_first() -> None:
    pods = [pod("a1", node="a"), pod("a2", node="a"), pod("b1", node="b")]
    assert first(*pods) in {"a1", "a2"}


def test_more_recently_ready_first_in_log_buckets() -> None:
    assert first(pod("old", ready_at=NOW - 86400), pod("new", ready_at=NOW - 60)) == "new"
    # 100 s and 101 s ago fall in one power-of-two bucket: uid order decides, not the second
    assert first(pod("b", ready_at=NOW - 100), pod("a", ready_at=NOW - 101)) == "a"


def test_more_restarts_first() -> None:
    assert first(pod("calm"), pod("crashy", restarts=4)) == "crashy"


def test_newer_pods_first() -> None:
    assert first(pod("old", created=NOW - 86400), pod("young", created=NOW - 10)) == "young"


def test_count_bounds_the_victims() -> None:
    pods = [pod(f"p{i}") for i in range(5)]
    assert len(pods_to_delete(pods, 3, now=NOW)) == 3
    assert pods_to_delete(pods, 0, now=NOW) == []
    assert len(pods_to_delete(pods, 9, now=NOW)) == 5


_pods = st.lists(
    st.builds(
        pod,
        st.text("abcdef", min_size=1, max_size=4),
        node=st.sampled_from(["", "n1", "n2"]),
        phase=st.sampled_from(["Pending", "Unknown", "Running"]),
        ready_at=st.one_of(st.none(), st.floats(NOW - 1e6, NOW - 1)),
        created=st.floats(NOW - 2e6, NOW - 1),
        cost=st.one_of(st.none(), st.integers(-3, 3)),
        restarts=st.integers(0, 3),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda p: p.metadata.name,
)


@given(_pods, st.integers(0, 8))
def test_the_coarse_rules_always_hold(pods: list[Pod], count: int) -> None:
    """No unscheduled pod survives a scheduled victim; no Pending one a Running victim."""
    victims = pods_to_delete(pods, count, now=NOW)
    assert len(victims) == min(count, len(pods))
    kept = [p for p in pods if p not in victims]
    for v in victims:
        for k in kept:
            if not k.spec.node_name:
                assert not v.spec.node_name
            elif v.spec.node_name and k.status.phase == "Pending":
                assert v.status.phase == "Pending"
