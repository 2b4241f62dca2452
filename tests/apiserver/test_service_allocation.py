"""Service cluster IPs and node ports: handed out once, through the store, freed on delete."""

from __future__ import annotations

import ipaddress
import random
from typing import Any

import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.apiserver.auth import ADMIN_USER as ADMIN
from components.apiserver.listing import ListOptions
from components.apiserver.patch import MERGE_PATCH
from components.apiserver.server import APIServer
from components.apiserver.service_allocation import IP_PREFIX, PORT_PREFIX, ServiceRanges
from kernel.api.errors import Invalid
from kernel.api.requests import DeleteOptions, Target
from kernel.config import ClusterSettings
from kernel.interfaces.store import Store, prefix_end
from kernel.objects import resource_for_name
from kernel.registry import load

SERVICES = resource_for_name("services")


def at(ns: str = "default", name: str = "") -> Target:
    return Target(SERVICES, ns, name)


def svc(name: str, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": [{"port": 80}], **spec}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


async def held_keys(store: Store, prefix: bytes) -> set[str]:
    res = await store.range(prefix, prefix_end(prefix), keys_only=True)
    return {kv.key[len(prefix) :].decode() for kv in res.kvs}


async def test_the_kubernetes_service_exists_at_start_with_the_first_address(server):
    got = await server.get(ADMIN, at(name="kubernetes"))
    assert got["spec"]["clusterIP"] == "127.96.0.1"
    assert got["spec"]["clusterIPs"] == ["127.96.0.1"]
    assert got["spec"]["ports"][0]["port"] == 443
    await server.start()  # a second start (another API server) changes nothing
    again = await server.get(ADMIN, at(name="kubernetes"))
    assert again["metadata"]["resourceVersion"] == got["metadata"]["resourceVersion"]


async def test_kube_dns_gets_the_tenth_address(server):
    created = await server.create(ADMIN, at("kube-system"), svc("kube-dns"))
    assert created["spec"]["clusterIP"] == "127.96.0.10"


async def test_the_cluster_settings_choose_the_range(store):
    ranges = ServiceRanges.from_settings(ClusterSettings(service_cidr="10.96.0.0/16"))
    api = APIServer(store, rng=random.Random(1), service_ranges=ranges)
    await api.start()
    assert (await api.get(ADMIN, at(name="kubernetes")))["spec"]["clusterIP"] == "10.96.0.1"
    created = await api.create(ADMIN, at("kube-system"), svc("kube-dns"))
    assert created["spec"]["clusterIP"] == "10.96.0.10"
    other = await api.create(ADMIN, at(), svc("web"))
    assert ipaddress.ip_address(other["spec"]["clusterIP"]) in ipaddress.ip_network("10.96.0.0/16")


async def test_dynamic_addresses_are_in_range_distinct_and_outside_the_static_band(server):
    ips = []
    for i in range(20):
        created = await server.create(ADMIN, at(), svc(f"s{i}"))
        ips.append(created["spec"]["clusterIP"])
        assert created["spec"]["clusterIPs"] == [created["spec"]["clusterIP"]]
    assert len(set(ips)) == 20
    for ip in ips:
        offset = int(ipaddress.ip_address(ip)) - int(ipaddress.ip_address("127.96.0.0"))
        assert 256 <= offset < 2**20 - 1


async def test_a_requested_address_is_given(server, store):
    created = await server.create(ADMIN, at(), svc("web", clusterIP="127.96.0.77"))
    assert created["spec"]["clusterIP"] == "127.96.0.77"
    assert "127.96.0.77" in await held_keys(store, IP_PREFIX)


@pytest.mark.parametrize("ip", ["10.0.0.1", "127.96.0.0", "127.111.255.255", "127.112.0.1"])
async def test_a_requested_address_outside_the_range_is_422_naming_the_field(server, ip):
    with pytest.raises(Invalid) as err:
        await server.create(ADMIN, at(), svc("web", clusterIP=ip))
    assert err.value.code == 422
    assert err.value.details.causes[0].field == "spec.clusterIP"
    assert "not in the valid range" in err.value.message


async def test_a_taken_address_is_422_naming_the_field(server, store):
    await server.create(ADMIN, at(), svc("a", clusterIP="127.96.0.50"))
    with pytest.raises(Invalid) as err:
        await server.create(ADMIN, at(), svc("b", clusterIP="127.96.0.50"))
    assert err.value.details.causes[0].field == "spec.clusterIP"
    assert "already allocated" in err.value.message
    with pytest.raises(Invalid):
        await server.create(ADMIN, at(), svc("c", clusterIP="127.96.0.1"))  # `kubernetes`'
    assert await server.storage.try_get(server.key(SERVICES), "default", "b") is None


async def test_headless_and_external_name_services_take_no_address(server, store):
    before = await held_keys(store, IP_PREFIX)
    headless = await server.create(ADMIN, at(), svc("h", clusterIP="None"))
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["clusterIPs"] == ["None"]
    ext = svc("e", type="ExternalName", externalName="example.com")
    del ext["spec"]["ports"]
    created = await server.create(ADMIN, at(), ext)
    assert "clusterIP" not in created["spec"]
    assert await held_keys(store, IP_PREFIX) == before


async def test_delete_frees_the_address_for_reuse(server, store):
    await server.create(ADMIN, at(), svc("a", clusterIP="127.96.0.60"))
    await server.delete(ADMIN, at(name="a"))
    assert "127.96.0.60" not in await held_keys(store, IP_PREFIX)
    again = await server.create(ADMIN, at(), svc("b", clusterIP="127.96.0.60"))
    assert again["spec"]["clusterIP"] == "127.96.0.60"


async def test_delete_collection_frees_every_address(server, store):
    for i in range(3):
        await server.create(ADMIN, at("kube-public"), svc(f"s{i}"))
    before = len(await held_keys(store, IP_PREFIX))
    await server.delete_collection(ADMIN, at("kube-public"), ListOptions(), DeleteOptions())
    assert len(await held_keys(store, IP_PREFIX)) == before - 3


async def test_a_service_deleted_through_its_last_finalizer_frees_its_address(server, store):
    body = svc("f", clusterIP="127.96.0.61")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await server.create(ADMIN, at(), body)
    await server.delete(ADMIN, at(name="f"))
    assert "127.96.0.61" in await held_keys(store, IP_PREFIX)  # still held while marked
    patch = {"metadata": {"finalizers": None}}
    await server.patch(ADMIN, at(name="f"), MERGE_PATCH, patch)
    assert "127.96.0.61" not in await held_keys(store, IP_PREFIX)


async def test_an_update_without_cluster_ip_keeps_it_and_a_change_is_refused(server):
    created = await server.create(ADMIN, at(), svc("web"))
    ip = created["spec"]["clusterIP"]
    body = svc("web")  # a manifest re-applied: no clusterIP
    updated = await server.update(ADMIN, at(name="web"), body)
    assert updated["spec"]["clusterIP"] == ip
    with pytest.raises(Invalid) as err:
        await server.update(ADMIN, at(name="web"), svc("web", clusterIP="127.96.0.99"))
    assert err.value.details.causes[0].field == "spec.clusterIP"


async def test_changing_to_external_name_frees_the_address(server, store):
    created = await server.create(ADMIN, at(), svc("web"))
    ip = created["spec"]["clusterIP"]
    patch = {
        "spec": {
            "type": "ExternalName",
            "externalName": "example.com",
        }
    }
    await server.patch(ADMIN, at(name="web"), MERGE_PATCH, patch)
    assert ip not in await held_keys(store, IP_PREFIX)


async def test_node_ports_are_allocated_in_range_and_freed(server, store):
    body = svc("np", type="NodePort", ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81}])
    created = await server.create(ADMIN, at(), body)
    ports = [p["nodePort"] for p in created["spec"]["ports"]]
    assert len(set(ports)) == 2
    assert all(30000 <= p <= 32767 for p in ports)
    assert await held_keys(store, PORT_PREFIX) == {str(p) for p in ports}
    kept = await server.update(ADMIN, at(name="np"), body)  # re-applied without nodePorts
    assert [p["nodePort"] for p in kept["spec"]["ports"]] == ports
    patched = await server.patch(ADMIN, at(name="np"), MERGE_PATCH, {"spec": {"type": "ClusterIP"}})
    assert all("nodePort" not in p for p in patched["spec"]["ports"])
    assert await held_keys(store, PORT_PREFIX) == set()
    await server.patch(ADMIN, at(name="np"), MERGE_PATCH, {"spec": {"type": "NodePort"}})
    assert len(await held_keys(store, PORT_PREFIX)) == 2
    await server.delete(ADMIN, at(name="np"))
    assert await held_keys(store, PORT_PREFIX) == set()


@pytest.mark.parametrize(("port", "words"), [(80, "valid range"), (40000, "valid range")])
async def test_a_requested_node_port_outside_the_range_is_422(server, port, words):
    body = svc("np", type="NodePort", ports=[{"port": 80, "nodePort": port}])
    with pytest.raises(Invalid) as err:
        await server.create(ADMIN, at(), body)
    assert err.value.details.causes[0].field == "spec.ports[0].nodePort"
    assert words in err.value.message


async def test_a_taken_node_port_is_422(server):
    await server.create(
        ADMIN, at(), svc("a", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    )
    with pytest.raises(Invalid) as err:
        await server.create(
            ADMIN, at(), svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
        )
    assert err.value.details.causes[0].field == "spec.ports[0].nodePort"
    assert "already allocated" in err.value.message


async def test_dry_run_fills_an_address_but_holds_none(server, store):
    before = await held_keys(store, IP_PREFIX)
    created = await server.create(ADMIN, at(), svc("web"), dry_run=True)
    assert created["spec"]["clusterIP"]
    assert await held_keys(store, IP_PREFIX) == before


async def test_a_full_range_is_422_not_a_crash(store):
    api = APIServer(store, rng=random.Random(1), service_ranges=ServiceRanges("10.0.0.0/29"))
    await api.start()  # `kubernetes` takes .1; .2-.6 remain
    for i in range(5):
        await api.create(ADMIN, at(), svc(f"s{i}"))
    with pytest.raises(Invalid) as err:
        await api.create(ADMIN, at(), svc("one-too-many"))
    assert "full" in err.value.message


async def test_concurrent_creates_on_two_api_servers_never_share_an_address():
    """Two API servers over one store, same seed (same first picks), racing in a small range."""
    async with load("store", "memory")() as store:  # type: ignore[operator]
        ranges = ServiceRanges("10.0.0.0/26")  # 62 usable, 16 in the static band
        a = APIServer(store, rng=random.Random(3), service_ranges=ranges)
        b = APIServer(store, rng=random.Random(3), service_ranges=ranges)
        await a.start()
        await b.start()
        got: list[str] = []

        async def make(api: APIServer, name: str) -> None:
            created = await api.create(ADMIN, at(), svc(name))
            got.append(created["spec"]["clusterIP"])

        async with trio.open_nursery() as nursery:
            for i in range(30):
                nursery.start_soon(make, a, f"a{i}")
                nursery.start_soon(make, b, f"b{i}")
        assert len(got) == 60
        assert len(set(got)) == 60
        assert await held_keys(store, IP_PREFIX) == {*got, "10.0.0.1"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 7)), max_size=30))
def test_held_keys_always_equal_the_addresses_of_live_services(ops):
    """Any sequence of creates and deletes leaves exactly the live Services' addresses held."""

    async def run() -> None:
        async with load("store", "memory")() as store:  # type: ignore[operator]
            ranges = ServiceRanges("10.0.0.0/28")
            api = APIServer(store, rng=random.Random(0), service_ranges=ranges)
            await api.start()
            live: set[str] = set()
            for create, n in ops:
                name = f"s{n}"
                if create and name not in live:
                    await api.create(ADMIN, at(), svc(name))
                    live.add(name)
                elif not create and name in live:
                    await api.delete(ADMIN, at(name=name))
                    live.discard(name)
            listed = await api.list(ADMIN, at(), ListOptions())
            ips = {i["spec"]["clusterIP"] for i in listed["items"]}
            assert await held_keys(store, IP_PREFIX) == ips
            assert len(ips) == len(listed["items"])

    trio.run(run)
