"""Deletion (finalizers, grace, propagation), namespaces, pods/binding and scale."""

from __future__ import annotations

import pytest

from components.apiserver.auth import ADMIN_USER as ADMIN
from components.apiserver.patch import MERGE_PATCH
from kernel.api.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.api.requests import DeleteOptions, Target
from kernel.objects import resource_for_name
from tests.apiserver.fakes import deployment, namespace, pod

PODS = resource_for_name("pods")
NAMESPACES = resource_for_name("namespaces")
DEPLOYMENTS = resource_for_name("deployments")
REPLICASETS = resource_for_name("replicasets")


def at(name: str = "", sub: str = "", ns: str = "default", res=PODS) -> Target:
    return Target(res, "" if res is NAMESPACES else ns, name, sub)


async def exists(server, target: Target) -> bool:
    try:
        await server.get(ADMIN, target)
    except NotFound:
        return False
    return True


# ---------------------------------------------------------------- deletion


async def test_unscheduled_pod_is_deleted_at_once(server):
    await server.create(ADMIN, at(), pod())
    body, gone = await server.delete(ADMIN, at("web"))
    assert gone
    assert body["kind"] == "Pod"
    assert not await exists(server, at("web"))


async def test_bound_pod_waits_for_the_kubelet_grace_zero_delete(server, clock):
    await server.create(ADMIN, at(), pod(node="n1", terminationGracePeriodSeconds=10))
    body, gone = await server.delete(ADMIN, at("web"))
    assert not gone
    assert body["metadata"]["deletionGracePeriodSeconds"] == 10
    assert body["metadata"]["deletionTimestamp"] == "2026-05-28T20:26:50Z"  # now + 10 s
    assert await exists(server, at("web"))
    body, gone = await server.delete(ADMIN, at("web"), DeleteOptions(grace_period_seconds=0))
    assert gone
    assert not await exists(server, at("web"))


async def test_finalizers_hold_an_object_until_the_last_is_removed(server):
    body = deployment()
    body["metadata"]["finalizers"] = ["example.com/a", "example.com/b"]
    await server.create(ADMIN, at(res=DEPLOYMENTS), body)
    marked, gone = await server.delete(ADMIN, at("web", res=DEPLOYMENTS))
    assert not gone
    assert marked["metadata"]["deletionTimestamp"]
    await server.patch(
        ADMIN,
        at("web", res=DEPLOYMENTS),
        MERGE_PATCH,
        {"metadata": {"finalizers": ["example.com/b"]}},
    )
    assert await exists(server, at("web", res=DEPLOYMENTS))
    await server.patch(
        ADMIN, at("web", res=DEPLOYMENTS), MERGE_PATCH, {"metadata": {"finalizers": None}}
    )
    assert not await exists(server, at("web", res=DEPLOYMENTS))


async def test_no_new_finalizers_on_an_object_being_deleted(server):
    body = deployment()
    body["metadata"]["finalizers"] = ["example.com/a"]
    await server.create(ADMIN, at(res=DEPLOYMENTS), body)
    await server.delete(ADMIN, at("web", res=DEPLOYMENTS))
    with pytest.raises(Invalid, match="no new finalizers can be added"):
        await server.patch(
            ADMIN,
            at("web", res=DEPLOYMENTS),
            MERGE_PATCH,
            {"metadata": {"finalizers": ["example.com/a", "example.com/z"]}},
        )


@pytest.mark.parametrize(
    ("policy", "finalizer"), [("Orphan", "orphan"), ("Foreground", "foregroundDeletion")]
)
async def test_propagation_policy_is_stored_as_a_gc_finalizer(server, policy, finalizer):
    await server.create(ADMIN, at(res=REPLICASETS), {**deployment(), "kind": "ReplicaSet"})
    body, gone = await server.delete(
        ADMIN, at("web", res=REPLICASETS), DeleteOptions(propagation_policy=policy)
    )
    assert not gone
    assert body["metadata"]["finalizers"] == [finalizer]


async def test_background_deletion_removes_at_once_with_a_success_status(server):
    await server.create(ADMIN, at(res=DEPLOYMENTS), deployment())
    body, gone = await server.delete(
        ADMIN, at("web", res=DEPLOYMENTS), DeleteOptions(propagation_policy="Background")
    )
    assert gone
    assert body["kind"] == "Status"
    assert body["status"] == "Success"
    assert body["details"] == {
        "name": "web",
        "group": "apps",
        "kind": "deployments",
        "uid": body["details"]["uid"],
    }


async def test_delete_preconditions(server):
    obj = await server.create(ADMIN, at(), pod())
    with pytest.raises(Conflict, match="Precondition failed: UID in precondition: nope"):
        await server.delete(ADMIN, at("web"), DeleteOptions(precondition_uid="nope"))
    _, gone = await server.delete(
        ADMIN, at("web"), DeleteOptions(precondition_uid=obj["metadata"]["uid"])
    )
    assert gone


async def test_delete_missing_is_404(server):
    with pytest.raises(NotFound, match='pods "ghost" not found'):
        await server.delete(ADMIN, at("ghost"))


async def test_deletecollection_by_label(server):
    await server.create(ADMIN, at(), pod("a", labels={"app": "x"}))
    await server.create(ADMIN, at(), pod("b", labels={"app": "y"}))
    from components.apiserver.listing import ListOptions

    result = await server.delete_collection(ADMIN, at(), ListOptions(label_selector="app=x"))
    assert [i["metadata"]["name"] for i in result["items"]] == ["a"]
    assert not await exists(server, at("a"))
    assert await exists(server, at("b"))


# ---------------------------------------------------------------- namespaces


async def test_system_namespaces_exist_and_start_is_idempotent(server):
    await server.start()
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        ns = await server.get(ADMIN, at(name, res=NAMESPACES))
        assert ns["status"]["phase"] == "Active"


async def test_every_namespace_carries_its_name_label(server):
    """Kubernetes keeps `kubernetes.io/metadata.name=<name>` on each namespace, even if a
    writer removes or changes it."""
    await server.start()
    label = "kubernetes.io/metadata.name"
    assert (await server.get(ADMIN, at("kube-system", res=NAMESPACES)))["metadata"]["labels"] == {
        label: "kube-system"
    }
    made = await server.create(ADMIN, at(res=NAMESPACES), namespace("team-a"))
    assert made["metadata"]["labels"] == {label: "team-a"}
    made["metadata"]["labels"] = {label: "other", "tier": "x"}
    updated = await server.update(ADMIN, at("team-a", res=NAMESPACES), made)
    assert updated["metadata"]["labels"] == {label: "team-a", "tier": "x"}
    generated = await server.create(
        ADMIN, at(res=NAMESPACES), {"metadata": {"generateName": "gen-"}}
    )
    assert generated["metadata"]["labels"][label] == generated["metadata"]["name"]


async def test_create_in_missing_namespace_is_404(server):
    with pytest.raises(NotFound) as err:
        await server.create(ADMIN, at(ns="nowhere"), pod(namespace="nowhere"))
    assert err.value.message == 'namespaces "nowhere" not found'


async def test_create_in_terminating_namespace_is_403(server):
    await server.create(ADMIN, at(res=NAMESPACES), namespace("dying"))
    marked, gone = await server.delete(ADMIN, at("dying", res=NAMESPACES))
    assert not gone
    assert marked["status"]["phase"] == "Terminating"
    with pytest.raises(Forbidden) as err:
        await server.create(ADMIN, at(ns="dying"), pod(namespace="dying"))
    assert err.value.message == (
        'pods "web" is forbidden: unable to create new content in '
        "namespace dying because it is being terminated"
    )


async def test_namespace_goes_away_when_finalized(server):
    await server.create(ADMIN, at(res=NAMESPACES), namespace("tmp"))
    ns, _ = await server.delete(ADMIN, at("tmp", res=NAMESPACES))
    ns["spec"]["finalizers"] = []
    await server.update(ADMIN, at("tmp", "finalize", res=NAMESPACES), ns)
    assert not await exists(server, at("tmp", res=NAMESPACES))


async def test_system_namespace_cannot_be_deleted(server):
    with pytest.raises(Forbidden, match="this namespace may not be deleted"):
        await server.delete(ADMIN, at("kube-system", res=NAMESPACES))


# ---------------------------------------------------------------- binding and scale


async def test_binding_sets_node_name_once(server):
    await server.create(ADMIN, at(), pod())
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "web"},
        "target": {"kind": "Node", "name": "n1"},
    }
    status = await server.create(ADMIN, at("web", "binding"), binding)
    assert status["status"] == "Success"
    assert status["code"] == 201
    bound = await server.get(ADMIN, at("web"))
    assert bound["spec"]["nodeName"] == "n1"
    assert {"type": "PodScheduled", "status": "True"}.items() <= bound["status"]["conditions"][
        0
    ].items()
    with pytest.raises(Conflict) as err:
        await server.create(
            ADMIN, at("web", "binding"), {**binding, "target": {"kind": "Node", "name": "n2"}}
        )
    assert err.value.message == (
        'Operation cannot be fulfilled on pods/binding "web": pod web '
        'is already assigned to node "n1"'
    )


async def test_binding_needs_a_target(server):
    await server.create(ADMIN, at(), pod())
    with pytest.raises(Invalid, match=r"target\.name: Required value"):
        await server.create(ADMIN, at("web", "binding"), {"kind": "Binding", "target": {}})


@pytest.mark.parametrize("res", [DEPLOYMENTS, REPLICASETS])
async def test_scale_subresource(server, res):
    body = {**deployment(replicas=3), "kind": res.kind}
    await server.create(ADMIN, at(res=res), body)
    scale = await server.get(ADMIN, at("web", "scale", res=res))
    assert scale["kind"] == "Scale"
    assert scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 3}
    assert scale["status"]["selector"] == "app=web"
    scale["spec"]["replicas"] = 5
    updated = await server.update(ADMIN, at("web", "scale", res=res), scale)
    assert updated["spec"]["replicas"] == 5
    assert (await server.get(ADMIN, at("web", res=res)))["spec"]["replicas"] == 5
    with pytest.raises(Conflict):  # the scale carried a now-stale resourceVersion
        await server.update(ADMIN, at("web", "scale", res=res), scale)
    patched = await server.patch(
        ADMIN, at("web", "scale", res=res), MERGE_PATCH, {"spec": {"replicas": 1}}
    )
    assert patched["spec"]["replicas"] == 1


async def test_negative_scale_is_invalid(server):
    await server.create(ADMIN, at(res=DEPLOYMENTS), deployment())
    with pytest.raises(Invalid, match="must be greater than or equal to 0"):
        await server.update(
            ADMIN, at("web", "scale", res=DEPLOYMENTS), {"kind": "Scale", "spec": {"replicas": -1}}
        )
