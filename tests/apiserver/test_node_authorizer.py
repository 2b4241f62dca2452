"""Node authorizer + NodeRestriction: a kubelet reaches only its own node's objects."""

from __future__ import annotations

import random
from collections.abc import Awaitable
from typing import Any

import pytest

from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.node_authorizer import NodeAuthorizer, pod_references, selects_node
from components.apiserver.rbac import RBACAuthorizer
from components.apiserver.rbac_policy import ensure_bootstrap_policy
from components.apiserver.server import APIServer
from components.apiserver.storage import Storage
from components.apiserver.tokens import TokenAuthenticator, TokenEntry
from components.apiserver.up import ADMIN, kubelet_identities
from kernel.api.errors import Forbidden, StatusError
from kernel.interfaces.store import Store
from kernel.objects import ClusterRoleBinding, ConfigMap, Lease, Node, Pod, Secret, from_dict
from tests.apiserver.fakes import FixedClock, pod

KUBELETS = kubelet_identities(("node-1", "node-2"))
TOKENS = {"admin": ADMIN, **{f"{n}-token": u for n, u in KUBELETS.items()}}


def _obj(kind: str, name: str, namespace: str = "default", **rest: Any) -> Any:
    api = "coordination.k8s.io/v1" if kind == "Lease" else "v1"
    meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return from_dict({"apiVersion": api, "kind": kind, "metadata": meta, **rest})


def mounts(secret: str, configmap: str) -> dict[str, Any]:
    return {
        "volumes": [{"name": "s", "secret": {"secretName": secret}}],
        "containers": [
            {
                "name": "app",
                "image": "nginx:1.25",
                "envFrom": [{"configMapRef": {"name": configmap}}],
            }
        ],
    }


@pytest.fixture
async def cluster(store: Store, clock: FixedClock) -> APIServer:
    storage = Storage(store)
    api = APIServer(
        store,
        clock=clock,
        rng=random.Random(5),
        authenticator=TokenAuthenticator([TokenEntry(t, u) for t, u in TOKENS.items()]),
        authorizer=NodeAuthorizer(storage, then=RBACAuthorizer(storage)),
    )
    await api.start()
    await ensure_bootstrap_policy(api)
    admin = InProcessClient(api, token="admin")
    for n in ("node-1", "node-2"):
        await admin.create(_obj("Node", n, ""))
    for name in ("s1", "s2"):
        await admin.create(_obj("Secret", name, data={}))
    for name in ("c1", "c2"):
        await admin.create(_obj("ConfigMap", name, data={}))
    await admin.create(from_dict(pod("p1", node="node-1", **mounts("s1", "c1"))))
    await admin.create(from_dict(pod("p2", node="node-2", **mounts("s2", "c2"))))
    return api


async def allowed(call: Awaitable[Any]) -> bool:
    try:
        await call
    except Forbidden:
        return False
    except StatusError:  # authorized, refused for another reason
        return True
    return True


async def test_a_kubelet_reads_only_what_its_pods_reference(cluster: APIServer) -> None:
    k1 = InProcessClient(cluster, token="kubelet-node-1-token")
    assert await allowed(k1.get(Secret, "s1"))
    assert await allowed(k1.get(ConfigMap, "c1"))
    assert not await allowed(k1.get(Secret, "s2"))
    assert not await allowed(k1.get(ConfigMap, "c2"))
    assert not await allowed(k1.list(Secret, "default"))
    k2 = InProcessClient(cluster, token="kubelet-node-2-token")
    assert await allowed(k2.get(Secret, "s2"))
    assert not await allowed(k2.get(Secret, "s1"))


async def test_a_kubelet_sees_only_its_own_pods(cluster: APIServer) -> None:
    k1 = InProcessClient(cluster, token="kubelet-node-1-token")
    assert await allowed(k1.get(Pod, "p1"))
    assert not await allowed(k1.get(Pod, "p2"))
    assert not await allowed(k1.list(Pod))
    assert not await allowed(k1.list(Pod, field_selector="spec.nodeName=node-2"))
    mine = await k1.list(Pod, field_selector="spec.nodeName=node-1")
    assert [p.metadata.name for p in mine.items] == ["p1"]


async def test_a_kubelet_writes_only_its_own_pods_status(cluster: APIServer) -> None:
    k1 = InProcessClient(cluster, token="kubelet-node-1-token")
    status = {"status": {"phase": "Running"}}
    assert await allowed(k1.patch(Pod, "p1", status, subresource="status"))
    assert not await allowed(k1.patch(Pod, "p2", status, subresource="status"))
    assert not await allowed(k1.patch(Pod, "p1", {"metadata": {"labels": {"a": "b"}}}))
    assert not await allowed(k1.create(from_dict(pod("mine", node="node-1"))))


async def test_a_kubelet_writes_only_its_own_node(cluster: APIServer) -> None:
    k1 = InProcessClient(cluster, token="kubelet-node-1-token")
    assert await allowed(k1.patch(Node, "node-1", {"metadata": {"labels": {"x": "y"}}}))
    assert not await allowed(k1.patch(Node, "node-2", {"metadata": {"labels": {"x": "y"}}}))
    assert not await allowed(k1.delete(Node, "node-2"))
    with pytest.raises(Forbidden) as err:
        await k1.create(_obj("Node", "node-3", ""))
    assert err.value.message == (
        'nodes "node-3" is forbidden: node "node-1" is not allowed to modify node "node-3"'
    )
    restricted = {"metadata": {"labels": {"node-restriction.kubernetes.io/pool": "gold"}}}
    assert not await allowed(k1.patch(Node, "node-1", restricted))
    assert (await k1.get(Node, "node-2")).metadata.name == "node-2"  # reading nodes is fine


async def test_a_kubelet_uses_only_its_own_lease_and_may_record_events(
    cluster: APIServer,
) -> None:
    k1 = InProcessClient(cluster, token="kubelet-node-1-token")
    spec = {"spec": {"holderIdentity": "node-1"}}
    assert await allowed(k1.create(_obj("Lease", "node-1", "kube-node-lease", **spec)))
    assert await allowed(k1.get(Lease, "node-1", "kube-node-lease"))
    with pytest.raises(Forbidden) as err:
        await k1.create(_obj("Lease", "node-2", "kube-node-lease", **spec))
    assert "can only access node lease with the same name" in err.value.message
    assert not await allowed(k1.create(_obj("Lease", "node-1", "default", **spec)))
    event = _obj(
        "Event",
        "p1.1",
        involvedObject={"kind": "Pod", "name": "p1", "namespace": "default"},
        reason="Started",
    )
    assert await allowed(k1.create(event))


def test_pod_references_cover_volumes_env_and_service_account() -> None:
    spec = mounts("s", "c")
    spec["containers"][0]["env"] = [
        {"name": "A", "valueFrom": {"secretKeyRef": {"name": "s-env", "key": "k"}}}
    ]
    spec["volumes"].append({"name": "v", "persistentVolumeClaim": {"claimName": "data"}})
    spec["imagePullSecrets"] = [{"name": "pull"}]
    refs = pod_references({"spec": spec})
    assert refs == {
        ("secret", "s"),
        ("secret", "s-env"),
        ("secret", "pull"),
        ("configmap", "c"),
        ("pvc", "data"),
        ("serviceaccount", "default"),
    }


def test_a_field_selector_must_name_the_node() -> None:
    assert selects_node("spec.nodeName=n1", "n1")
    assert selects_node("status.phase!=Failed,spec.nodeName==n1", "n1")
    assert not selects_node("spec.nodeName!=n1", "n1")
    assert not selects_node("spec.nodeName=n10", "n1")
    assert not selects_node("", "n1")


async def test_an_old_state_dirs_system_node_binding_loses_its_nodes_group(
    cluster: APIServer,
) -> None:
    """A store made before the Node authorizer bound every kubelet to system:node (all Secrets)."""
    admin = InProcessClient(cluster, token="admin")
    old = from_dict(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {
                "name": "system:node",
                "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
            },
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "system:node",
            },
            "subjects": [
                {"kind": "Group", "name": "system:nodes", "apiGroup": "rbac.authorization.k8s.io"},
                {"kind": "User", "name": "someone", "apiGroup": "rbac.authorization.k8s.io"},
            ],
        }
    )
    await admin.create(old)
    kubelet = InProcessClient(cluster, token="kubelet-node-1-token")
    assert await allowed(kubelet.get(Secret, "s2"))  # the hole, before the next start-up
    await ensure_bootstrap_policy(cluster)
    binding = await admin.get(ClusterRoleBinding, "system:node", namespace="")
    assert [s.name for s in binding.subjects] == ["someone"]
    assert not await allowed(kubelet.get(Secret, "s2"))
    assert await allowed(kubelet.get(Secret, "s1"))
