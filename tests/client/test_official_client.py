"""The official `kubernetes` Python client against `kubelab up`, loading the kubeconfig it wrote."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.client.conftest import Cluster


@pytest.fixture(scope="module")
def api(cluster: Cluster) -> client.ApiClient:
    return config.new_client_from_config(cluster.kubeconfig())


def _pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]},
    }


def _workload(kind: str, name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            },
        },
    }


CASES: dict[str, tuple[str, str, dict[str, Any], bool]] = {
    # kind: (api class, method suffix, body, namespaced)
    "namespace": (
        "CoreV1Api",
        "namespace",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
        False,
    ),
    "pod": ("CoreV1Api", "namespaced_pod", _pod("web"), True),
    "service": (
        "CoreV1Api",
        "namespaced_service",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
        True,
    ),
    "node": (
        "CoreV1Api",
        "node",
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}},
        False,
    ),
    "endpoints": (
        "CoreV1Api",
        "namespaced_endpoints",
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "web"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}],
        },
        True,
    ),
    "replicaset": ("AppsV1Api", "namespaced_replica_set", _workload("ReplicaSet", "rs"), True),
    "deployment": ("AppsV1Api", "namespaced_deployment", _workload("Deployment", "dep"), True),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_official_client_round_trips_every_verb(api: client.ApiClient, kind: str) -> None:
    cls_name, suffix, body, namespaced = CASES[kind]
    typed = getattr(client, cls_name)(api)
    ns: dict[str, Any] = {"namespace": "default"} if namespaced else {}
    name = body["metadata"]["name"]

    def call(verb: str) -> Callable[..., Any]:
        return getattr(typed, f"{verb}_{suffix}")

    created = call("create")(body=body, **ns)
    assert created.metadata.name == name
    assert created.metadata.uid
    assert created.metadata.resource_version
    got = call("read")(name=name, **ns)
    assert got.metadata.uid == created.metadata.uid
    listed = call("list")(**ns) if namespaced else call("list")()
    assert name in [item.metadata.name for item in listed.items]

    got.metadata.labels = {**(got.metadata.labels or {}), "replaced": "yes"}
    replaced = call("replace")(name=name, body=got, **ns)
    assert replaced.metadata.labels["replaced"] == "yes"
    assert int(replaced.metadata.resource_version) > int(got.metadata.resource_version)

    patched = call("patch")(name=name, body={"metadata": {"labels": {"patched": "yes"}}}, **ns)
    assert patched.metadata.labels["patched"] == "yes"
    assert patched.metadata.labels["replaced"] == "yes"

    call("delete")(name=name, **ns)
    if kind == "namespace":
        return  # namespaces finish deleting through their finalizer (the namespace controller)
    with pytest.raises(ApiException) as err:
        call("read")(name=name, **ns)
    assert err.value.status == 404


def test_official_client_sees_kubernetes_errors(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_pod("default", _pod("dup"))
    with pytest.raises(ApiException) as err:
        core.create_namespaced_pod("default", _pod("dup"))
    status = json.loads(err.value.body)
    assert (err.value.status, status["reason"]) == (409, "AlreadyExists")
    assert status["message"] == 'pods "dup" already exists'

    stale = core.read_namespaced_pod("dup", "default")
    core.patch_namespaced_pod("dup", "default", {"metadata": {"labels": {"v": "2"}}})
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_pod("dup", "default", stale)
    status = json.loads(err.value.body)
    assert (err.value.status, status["reason"]) == (409, "Conflict")
    assert status["message"].endswith(
        "the object has been modified; please apply your changes "
        "to the latest version and try again"
    )


def test_official_client_watches_pods(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    start = core.list_namespaced_pod("default").metadata.resource_version
    seen: list[tuple[str, str]] = []

    def watch_pods() -> None:
        stream = watch.Watch()
        for event in stream.stream(
            core.list_namespaced_pod, "default", resource_version=start, timeout_seconds=10
        ):
            seen.append((event["type"], event["object"].metadata.name))
            if event["type"] == "DELETED":
                stream.stop()

    thread = threading.Thread(target=watch_pods)
    thread.start()
    core.create_namespaced_pod("default", _pod("watched"))
    core.patch_namespaced_pod("watched", "default", {"metadata": {"labels": {"x": "1"}}})
    core.delete_namespaced_pod("watched", "default", grace_period_seconds=0)
    thread.join(timeout=15)
    watched = [t for t, n in seen if n == "watched"]
    assert watched == ["ADDED", "MODIFIED", "DELETED"]


def test_component_kubeconfigs_carry_least_privilege(
    cluster: Cluster, api: client.ApiClient
) -> None:
    client.CoreV1Api(api).create_node(
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-rbac"}}
    )
    scheduler = client.CoreV1Api(
        config.new_client_from_config(cluster.kubeconfig("kube-scheduler"))
    )
    assert "node-rbac" in [n.metadata.name for n in scheduler.list_node().items]
    with pytest.raises(ApiException) as err:
        scheduler.delete_node("node-rbac")
    assert err.value.status == 403
    assert json.loads(err.value.body)["message"].startswith(
        'nodes "node-rbac" is forbidden: User "system:kube-scheduler" cannot delete resource '
        '"nodes" in API group "" at the cluster scope'
    )
