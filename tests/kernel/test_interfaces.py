"""The component interfaces import on their own, and their values behave as documented."""

from __future__ import annotations

import importlib
import inspect
import ipaddress
import subprocess
import sys
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.interfaces import dns, kubelet, proxy, scheduler
from kernel.interfaces.scheduler import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    Code,
    CycleState,
    NodeInfo,
    Resources,
    ScheduleResult,
    StaticSnapshot,
    Status,
)
from kernel.registry import check_implements, interface_members

MODULES = ["store", "scheduler", "proxy", "dns", "kubelet"]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_exists(name: str) -> None:
    module = importlib.import_module(f"kernel.interfaces.{name}")
    assert module.__doc__
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


def test_interfaces_import_without_the_object_model_or_a_client() -> None:
    """A student's checkout can import the contracts before anything else exists."""
    code = (
        "import sys, kernel.interfaces, kernel.registry, kernel.config\n"
        "print(sorted(m for m in sys.modules if m.startswith(('kernel.objects', "
        "'kernel.client', 'components.apiserver', 'components', 'fault_injection'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------- conforming fakes


class FakeScheduler:
    name = "fake"

    def schedule_one(self, pod, snapshot):
        return ScheduleResult(node_name=None)

    async def run(self, client) -> None:
        return None


class FakeProxy:
    def sync(self, services, endpoints) -> None:
        return None

    def table(self):
        return ()

    def select_backend(self, service_ip, port, protocol, client_ip, now, exclude=frozenset()):
        return None

    def connection_opened(self, service_ip, port, protocol, backend) -> None:
        return None

    def connection_closed(self, service_ip, port, protocol, backend) -> None:
        return None


class FakeResolver:
    cluster_domain = "cluster.local"

    def sync(self, services, endpoints) -> None:
        return None

    def resolve(self, question):
        return dns.Answer(dns.Rcode.SERVFAIL)


class FakeKubelet:
    node_name = "n1"

    async def register(self, client) -> None: ...
    async def heartbeat(self, client) -> None: ...
    async def sync_pod(self, pod): ...
    async def run(self, client) -> None: ...


def fake_of(protocol: type) -> type:
    """A class with exactly the protocol's members (methods copied from the protocol)."""
    members = {}
    for name, member in interface_members(protocol).items():
        members[name] = "x" if member is None else member
    return type(f"Fake{protocol.__name__}", (), members)


@pytest.mark.parametrize(
    ("obj", "protocol"),
    [
        (FakeScheduler(), scheduler.Scheduler),
        (FakeProxy(), proxy.Proxy),
        (FakeResolver(), dns.Resolver),
        (FakeKubelet(), kubelet.Kubelet),
    ],
)
def test_hand_written_fakes_implement_their_protocol(obj: object, protocol: type) -> None:
    check_implements(obj, protocol)
    check_implements(type(obj), protocol)
    assert isinstance(obj, protocol)


PLUGIN_PROTOCOLS = [
    scheduler.QueueSortPlugin,
    scheduler.PreFilterPlugin,
    scheduler.PreFilterExtensions,
    scheduler.FilterPlugin,
    scheduler.PostFilterPlugin,
    scheduler.PreScorePlugin,
    scheduler.ScorePlugin,
    scheduler.ScoreExtensions,
    scheduler.ReservePlugin,
    scheduler.PermitPlugin,
    scheduler.PreBindPlugin,
    scheduler.BindPlugin,
    scheduler.PostBindPlugin,
    scheduler.Handle,
    scheduler.WaitingPod,
    kubelet.ContainerRuntime,
]


@pytest.mark.parametrize("protocol", PLUGIN_PROTOCOLS, ids=lambda p: p.__name__)
def test_every_protocol_is_checkable(protocol: type) -> None:
    fake = fake_of(protocol)
    check_implements(fake, protocol)
    assert isinstance(fake(), protocol)


def test_each_extension_point_is_its_own_tiny_protocol() -> None:
    """Plugins have a name and the methods of one extension point, nothing else."""
    assert set(interface_members(scheduler.FilterPlugin)) == {"name", "filter"}
    assert set(interface_members(scheduler.ScorePlugin)) == {"name", "score", "score_extensions"}
    assert set(interface_members(scheduler.ReservePlugin)) == {"name", "reserve", "unreserve"}
    assert set(interface_members(scheduler.BindPlugin)) == {"name", "bind"}


def test_binding_steps_are_async_and_decisions_are_not() -> None:
    """Only PreBind and Bind talk to the API server; every decision is a plain function."""
    assert inspect.iscoroutinefunction(interface_members(scheduler.BindPlugin)["bind"])
    assert inspect.iscoroutinefunction(interface_members(scheduler.PreBindPlugin)["pre_bind"])
    for protocol in (scheduler.FilterPlugin, scheduler.ScorePlugin, scheduler.PermitPlugin):
        for member in interface_members(protocol).values():
            assert member is None or not inspect.iscoroutinefunction(member)


# --------------------------------------------------------------------------- scheduler values


def test_code_is_the_closed_set_of_kubernetes_status_codes() -> None:
    assert [c.value for c in Code] == [
        "Success",
        "Error",
        "Unschedulable",
        "UnschedulableAndUnresolvable",
        "Wait",
        "Skip",
    ]
    assert (MIN_NODE_SCORE, MAX_NODE_SCORE) == (0, 100)


def test_status_defaults_to_success_and_says_who_rejected() -> None:
    assert Status().is_success()
    assert Status().message() == ""
    status = Status.unschedulable("Insufficient cpu", "Insufficient memory").with_plugin("Fit")
    assert status.code is Code.UNSCHEDULABLE
    assert status.is_rejected()
    assert not status.is_success()
    assert status.plugin == "Fit"
    assert status.message() == "Insufficient cpu, Insufficient memory"
    final = Status.unschedulable(
        "node(s) didn't match Pod's node affinity/selector", resolvable=False
    )
    assert final.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert final.is_rejected()
    assert not Status.error("boom").is_rejected()
    assert not Status(Code.WAIT).is_rejected()


def node(name: str) -> SimpleNamespace:
    return SimpleNamespace(metadata=SimpleNamespace(name=name))


def test_static_snapshot_lists_nodes_by_name_and_gets_one() -> None:
    snap = StaticSnapshot([NodeInfo(node("b")), NodeInfo(node("a")), NodeInfo(node("c"))])
    assert [i.name for i in snap.node_infos()] == ["a", "b", "c"]
    assert snap.get("b").name == "b"
    with pytest.raises(KeyError):
        snap.get("zz")
    check_implements(snap, scheduler.Snapshot)


def test_resources_report_what_is_insufficient() -> None:
    allocatable = Resources(milli_cpu=2000, memory=4 << 30, pods=110, extended={"gpu": 1})
    used = Resources(milli_cpu=1500, memory=1 << 30, pods=3)
    assert used.insufficient(Resources(milli_cpu=500, pods=1), allocatable) == ()
    assert used.insufficient(Resources(milli_cpu=501, pods=1), allocatable) == ("cpu",)
    assert used.insufficient(
        Resources(memory=4 << 30, pods=1, extended={"gpu": 2}), allocatable
    ) == ("memory", "gpu")
    assert used.plus(Resources(milli_cpu=1, extended={"gpu": 1})).extended_amount("gpu") == 1


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 1 << 40)), min_size=1, max_size=8))
def test_resources_sum_is_order_independent(amounts: list[tuple[int, int]]) -> None:
    items = [Resources(milli_cpu=c, memory=m, pods=1) for c, m in amounts]
    forward = Resources()
    for r in items:
        forward = forward.plus(r)
    backward = Resources()
    for r in reversed(items):
        backward = backward.plus(r)
    assert forward == backward
    assert forward.milli_cpu == sum(c for c, _ in amounts)
    assert forward.pods == len(amounts)


def test_cycle_state_clone_is_independent() -> None:
    class Counter:
        def __init__(self, n: int) -> None:
            self.n = n

        def clone(self) -> Counter:
            return Counter(self.n)

    state = CycleState()
    state.write("PreFilterFit", Counter(1))
    copy = state.clone()
    copy.read("PreFilterFit").n = 2  # type: ignore[attr-defined]
    assert state.read("PreFilterFit").n == 1  # type: ignore[attr-defined]
    state.delete("PreFilterFit")
    with pytest.raises(KeyError, match="PreFilterFit"):
        state.read("PreFilterFit")


def test_unschedulable_message_has_kubernetes_form() -> None:
    cpu = Status.unschedulable("Insufficient cpu")
    taint = Status.unschedulable("node(s) had untolerated taint {dedicated: gpu}")
    result = ScheduleResult(
        node_name=None,
        status=Status.unschedulable(),
        evaluated_nodes=3,
        node_statuses={"a": cpu, "b": taint, "c": taint},
    )
    assert result.message(3) == (
        "0/3 nodes are available: 1 Insufficient cpu, "
        "2 node(s) had untolerated taint {dedicated: gpu}."
    )
    assert ScheduleResult(node_name="a").message(3) == ""


# --------------------------------------------------------------------------- proxy, dns values


def test_backends_compare_by_address_only() -> None:
    a = proxy.Backend("10.0.0.2", 80, node_name="n1")
    b = proxy.Backend("10.0.0.2", 80, node_name="n2")
    assert a == b
    assert sorted([proxy.Backend("10.0.0.3", 80), a, proxy.Backend("10.0.0.2", 79)]) == [
        proxy.Backend("10.0.0.2", 79),
        a,
        proxy.Backend("10.0.0.3", 80),
    ]
    entry = proxy.ServiceEntry("default", "web", "http", "10.96.0.10", 80, "TCP", (a,))
    assert entry.key == ("10.96.0.10", 80, "TCP")
    assert entry.affinity_timeout_seconds == 10800


@pytest.mark.parametrize(
    ("asked", "normal"),
    [
        ("Kubernetes.Default.SVC.cluster.local", "kubernetes.default.svc.cluster.local."),
        ("web.ns.svc.cluster.local.", "web.ns.svc.cluster.local."),
    ],
)
def test_questions_are_case_insensitive_and_absolute(asked: str, normal: str) -> None:
    assert dns.Question(asked, dns.RecordType.A).name == normal
    assert dns.Question(asked, dns.RecordType.A) == dns.Question(normal, dns.RecordType.A)


def test_reverse_pointer_names() -> None:
    assert dns.reverse_pointer("10.3.0.1") == "1.0.3.10.in-addr.arpa."
    assert dns.reverse_pointer("fd00::1").endswith(".ip6.arpa.")
    assert dns.reverse_pointer("fd00::1").startswith("1.0.0.0.")


def test_records_are_frozen_values() -> None:
    record = dns.ARecord("web.ns.svc.cluster.local.", 5, ipaddress.IPv4Address("10.96.0.10"))
    assert record == dns.ARecord(
        "web.ns.svc.cluster.local.", 5, ipaddress.IPv4Address("10.96.0.10")
    )
    with pytest.raises(AttributeError):
        record.ttl = 6  # type: ignore[misc]
    assert dns.DNS_SCHEMA_VERSION == "1.1.0"


def test_container_states_are_cri_names() -> None:
    assert [s.value for s in kubelet.ContainerState] == [
        "CONTAINER_CREATED",
        "CONTAINER_RUNNING",
        "CONTAINER_EXITED",
        "CONTAINER_UNKNOWN",
    ]
    assert issubclass(kubelet.NotFoundError, kubelet.ContainerRuntimeError)
