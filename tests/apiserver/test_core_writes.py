"""Create, get, update, status, patch: the write path of the API server core."""

from __future__ import annotations

import pytest

from components.apiserver.auth import ADMIN_USER as ADMIN
from components.apiserver.patch import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from kernel.api.errors import AlreadyExists, BadRequest, Conflict, Invalid, NotFound
from kernel.api.requests import Target
from kernel.objects import resource_for_name
from tests.apiserver.fakes import deployment, pod

PODS = resource_for_name("pods")
DEPLOYMENTS = resource_for_name("deployments")


def at(name: str = "", sub: str = "", ns: str = "default", res=PODS) -> Target:
    return Target(res, ns, name, sub)


async def test_create_fills_server_owned_metadata(server, clock):
    created = await server.create(ADMIN, at(), pod())
    meta = created["metadata"]
    assert meta["uid"]
    assert len(meta["uid"]) == 36
    assert meta["creationTimestamp"] == "2026-05-28T20:26:40Z"  # from the injected clock
    assert meta["generation"] == 1
    assert int(meta["resourceVersion"]) > 0
    assert created["status"] == {"phase": "Pending"}


async def test_create_applies_defaults_from_the_object_model(server):
    created = await server.create(ADMIN, at(), pod())
    assert created["spec"]["restartPolicy"] == "Always"
    assert created["spec"]["dnsPolicy"] == "ClusterFirst"


async def test_resource_version_is_the_store_mod_revision(server, store):
    created = await server.create(ADMIN, at(), pod())
    res = await store.range(b"/registry/pods/default/web")
    assert created["metadata"]["resourceVersion"] == str(res.kvs[0].mod_revision)


async def test_generate_name_is_seeded_and_trimmed(server):
    a = await server.create(ADMIN, at(), pod(""))
    b = await server.create(ADMIN, at(), pod(""))
    assert a["metadata"]["name"].startswith("web-")
    assert len(a["metadata"]["name"]) == 9
    assert a["metadata"]["name"] != b["metadata"]["name"]


async def test_create_existing_name_is_409_already_exists(server):
    await server.create(ADMIN, at(), pod())
    with pytest.raises(AlreadyExists) as err:
        await server.create(ADMIN, at(), pod())
    assert err.value.code == 409
    assert err.value.message == 'pods "web" already exists'
    assert err.value.details.kind == "pods"
    assert err.value.details.name == "web"


async def test_get_missing_is_404_with_kubernetes_message(server):
    with pytest.raises(NotFound) as err:
        await server.get(ADMIN, at("nope"))
    assert err.value.message == 'pods "nope" not found'
    with pytest.raises(NotFound) as err:
        await server.get(ADMIN, at("nope", res=DEPLOYMENTS))
    assert err.value.message == 'deployments.apps "nope" not found'


async def test_invalid_object_is_422_with_a_cause_per_field(server):
    bad = pod()
    bad["spec"]["containers"][0].pop("image")
    bad["spec"]["restartPolicy"] = "Sometimes"
    with pytest.raises(Invalid) as err:
        await server.create(ADMIN, at(), bad)
    assert err.value.code == 422
    assert err.value.message.startswith('Pod "web" is invalid: [')
    fields = {c.field for c in err.value.causes}
    assert {"spec.containers[0].image", "spec.restartPolicy"} <= fields
    assert all(c.reason.startswith("FieldValue") for c in err.value.causes)


async def test_unknown_field_is_400_naming_the_path(server):
    bad = pod()
    bad["spec"]["containers"][0]["imagee"] = "typo"
    with pytest.raises(BadRequest) as err:
        await server.create(ADMIN, at(), bad)
    assert 'unknown field "spec.containers[0].imagee"' in err.value.message


async def test_body_namespace_must_match_the_url(server):
    with pytest.raises(BadRequest, match="namespace of the provided object does not match"):
        await server.create(ADMIN, at(ns="kube-system"), pod(namespace="default"))


async def test_stale_update_is_409_conflict_with_kubernetes_message(server):
    first = await server.create(ADMIN, at(), pod(labels={"v": "1"}))
    first["metadata"]["labels"] = {"v": "2"}
    await server.update(ADMIN, at("web"), first)
    first["metadata"]["labels"] = {"v": "3"}  # still carries the old resourceVersion
    with pytest.raises(Conflict) as err:
        await server.update(ADMIN, at("web"), first)
    assert err.value.message == (
        'Operation cannot be fulfilled on pods "web": the object has been modified; please '
        "apply your changes to the latest version and try again"
    )


async def test_update_without_resource_version_is_unconditional(server):
    obj = await server.create(ADMIN, at(), pod())
    del obj["metadata"]["resourceVersion"]
    obj["metadata"]["labels"] = {"x": "y"}
    updated = await server.update(ADMIN, at("web"), obj)
    assert updated["metadata"]["labels"] == {"x": "y"}


async def test_update_of_missing_object_is_404(server):
    with pytest.raises(NotFound):
        await server.update(ADMIN, at("ghost"), pod("ghost"))


async def test_update_ignores_server_owned_fields(server):
    obj = await server.create(ADMIN, at(), pod())
    original = dict(obj["metadata"])
    obj["metadata"].update(uid="forged", creationTimestamp="2000-01-01T00:00:00Z")
    updated = await server.update(ADMIN, at("web"), obj)
    assert updated["metadata"]["uid"] == original["uid"]
    assert updated["metadata"]["creationTimestamp"] == original["creationTimestamp"]


async def test_noop_update_keeps_the_resource_version(server):
    obj = await server.create(ADMIN, at(), pod())
    again = await server.update(ADMIN, at("web"), obj)
    assert again["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


async def test_generation_moves_on_spec_changes_only(server):
    dep = await server.create(ADMIN, at(res=DEPLOYMENTS), deployment())
    assert dep["metadata"]["generation"] == 1
    dep["metadata"]["labels"] = {"team": "a"}
    dep = await server.update(ADMIN, at("web", res=DEPLOYMENTS), dep)
    assert dep["metadata"]["generation"] == 1
    dep["status"] = {"replicas": 2}
    dep = await server.update(ADMIN, at("web", "status", res=DEPLOYMENTS), dep)
    assert dep["metadata"]["generation"] == 1
    dep["spec"]["replicas"] = 5
    dep = await server.update(ADMIN, at("web", res=DEPLOYMENTS), dep)
    assert dep["metadata"]["generation"] == 2


async def test_main_update_cannot_change_status_and_status_update_cannot_change_spec(server):
    dep = await server.create(ADMIN, at(res=DEPLOYMENTS), deployment())
    dep["status"] = {"replicas": 9}
    dep = await server.update(ADMIN, at("web", res=DEPLOYMENTS), dep)
    assert "replicas" not in (dep.get("status") or {})
    dep["status"] = {"replicas": 2}
    dep["spec"]["replicas"] = 7
    dep["metadata"]["labels"] = {"sneaky": "yes"}
    dep = await server.update(ADMIN, at("web", "status", res=DEPLOYMENTS), dep)
    assert dep["status"]["replicas"] == 2
    assert dep["spec"]["replicas"] == 2
    assert "sneaky" not in (dep["metadata"].get("labels") or {})


async def test_create_ignores_status_of_objects_with_a_status_subresource(server):
    body = deployment()
    body["status"] = {"replicas": 3}
    created = await server.create(ADMIN, at(res=DEPLOYMENTS), body)
    assert "replicas" not in (created.get("status") or {})


async def test_merge_patch(server):
    await server.create(ADMIN, at(), pod(labels={"a": "1", "b": "2"}))
    patched = await server.patch(
        ADMIN, at("web"), MERGE_PATCH, {"metadata": {"labels": {"a": None, "c": "3"}}}
    )
    assert patched["metadata"]["labels"] == {"b": "2", "c": "3"}


async def test_json_patch_and_failed_test_is_422(server):
    await server.create(ADMIN, at(), pod(labels={"a": "1"}))
    patched = await server.patch(
        ADMIN,
        at("web"),
        JSON_PATCH,
        [
            {"op": "test", "path": "/metadata/labels/a", "value": "1"},
            {"op": "add", "path": "/metadata/labels/b", "value": "2"},
        ],
    )
    assert patched["metadata"]["labels"] == {"a": "1", "b": "2"}
    with pytest.raises(Invalid):
        await server.patch(
            ADMIN,
            at("web"),
            JSON_PATCH,
            [{"op": "test", "path": "/metadata/labels/a", "value": "x"}],
        )


async def test_strategic_merge_patch_merges_containers_by_name(server):
    body = pod()
    body["spec"]["containers"].append({"name": "sidecar", "image": "envoy:1"})
    await server.create(ADMIN, at(), body)
    dep = await server.create(ADMIN, at(res=DEPLOYMENTS), deployment())
    assert dep
    patched = await server.patch(
        ADMIN,
        at("web", res=DEPLOYMENTS),
        STRATEGIC_MERGE_PATCH,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:2"}]}}}},
    )
    containers = patched["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("app", "nginx:2")]


async def test_patch_with_stale_resource_version_is_conflict(server):
    obj = await server.create(ADMIN, at(), pod())
    await server.patch(ADMIN, at("web"), MERGE_PATCH, {"metadata": {"labels": {"a": "1"}}})
    with pytest.raises(Conflict):
        await server.patch(
            ADMIN,
            at("web"),
            MERGE_PATCH,
            {
                "metadata": {
                    "resourceVersion": obj["metadata"]["resourceVersion"],
                    "labels": {"a": "2"},
                }
            },
        )


async def test_patch_status_subresource(server):
    await server.create(ADMIN, at(), pod())
    patched = await server.patch(
        ADMIN,
        at("web", "status"),
        MERGE_PATCH,
        {"status": {"phase": "Running"}, "spec": {"nodeName": "x"}},
    )
    assert patched["status"]["phase"] == "Running"
    assert "nodeName" not in patched["spec"]


async def test_dry_run_create_stores_nothing(server):
    created = await server.create(ADMIN, at(), pod(), dry_run=True)
    assert created["metadata"]["name"] == "web"
    with pytest.raises(NotFound):
        await server.get(ADMIN, at("web"))
