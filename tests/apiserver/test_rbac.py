"""RBAC: deny by default, each verb granted alone, bootstrap roles for components, 401/403."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from components.apiserver.auth import ADMIN_USER, UserInfo
from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.listing import ListOptions
from components.apiserver.rbac import RBACAuthorizer
from components.apiserver.rbac_policy import ensure_bootstrap_policy
from components.apiserver.sa_tokens import ServiceAccountTokens, SigningKey, store_uid_lookup
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from components.apiserver.storage import Storage
from components.apiserver.tokens import TokenAuthenticator, TokenEntry
from kernel.api.errors import Forbidden, StatusError, Unauthorized
from kernel.api.requests import DeleteOptions, Target
from kernel.client import open_http_client, resource_of
from kernel.interfaces.store import Store
from kernel.objects import Node, Pod, from_dict
from tests.apiserver.fakes import FixedClock, pod

SA_KEY = SigningKey.generate()
USERS = {
    "admin-token": ADMIN_USER,
    "alice-token": UserInfo("alice", "alice", ("system:authenticated",)),
    "scheduler-token": UserInfo("system:kube-scheduler", groups=("system:authenticated",)),
    "proxy-token": UserInfo("system:kube-proxy", groups=("system:authenticated",)),
}
VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")


@pytest.fixture
async def rbac_server(store: Store, clock: FixedClock) -> APIServer:
    api = APIServer(
        store,
        clock=clock,
        rng=random.Random(3),
        authenticator=TokenAuthenticator(
            [TokenEntry(t, u) for t, u in USERS.items()],
            service_accounts=ServiceAccountTokens(SA_KEY, store_uid_lookup(Storage(store)), clock),
        ),
        authorizer=RBACAuthorizer(Storage(store)),
    )
    await api.start()
    await ensure_bootstrap_policy(api)
    admin = InProcessClient(api, token="admin-token")
    await admin.create(from_dict(pod("existing")))
    await admin.create(
        from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    )
    return api


async def grant(
    api: APIServer,
    verbs: list[str],
    subject: dict[str, Any],
    resources: tuple[str, ...] = ("pods",),
) -> None:
    """Bind a Role in `default` allowing `verbs` on `resources` to `subject`."""
    admin = InProcessClient(api, token="admin-token")
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "r", "namespace": "default"},
        "rules": [{"apiGroups": [""], "resources": list(resources), "verbs": verbs}],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "rb", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [subject],
    }
    await admin.create(from_dict(role))
    await admin.create(from_dict(binding))


def operations(client: InProcessClient) -> dict[str, Callable[[], Awaitable[Any]]]:
    """One call per RBAC verb on pods in `default`."""

    async def watch() -> None:
        async with client.watch(Pod, "default", resource_version="1", timeout=0.01):
            pass

    async def update() -> None:
        current = from_dict(
            {**pod("existing"), "metadata": {"name": "existing", "namespace": "default"}}
        )
        await client.update(current)

    target = Target(resource_of(Pod), "default")
    return {
        "get": lambda: client.get(Pod, "existing"),
        "list": lambda: client.list(Pod, "default"),
        "watch": watch,
        "create": lambda: client.create(from_dict(pod("new"))),
        "update": update,
        "patch": lambda: client.patch(Pod, "existing", {"metadata": {"labels": {"a": "b"}}}),
        "delete": lambda: client.delete(Pod, "existing", grace_period_seconds=0),
        "deletecollection": lambda: client.raw.delete_collection(
            target, ListOptions(label_selector="none=here"), DeleteOptions()
        ),
    }


async def outcome(call: Callable[[], Awaitable[Any]]) -> str:
    try:
        await call()
    except Forbidden:
        return "denied"
    except StatusError as err:  # any other API error means authorization let it through
        return f"allowed ({type(err).__name__})"
    return "allowed"


async def test_a_user_without_bindings_is_denied_every_verb(rbac_server: APIServer) -> None:
    alice = InProcessClient(rbac_server, token="alice-token")
    for verb, call in operations(alice).items():
        assert await outcome(call) == "denied", verb
    with pytest.raises(Forbidden) as err:
        await alice.list(Pod, "default")
    assert str(err.value.message) == (
        'pods is forbidden: User "alice" cannot list resource '
        '"pods" in API group "" in the namespace "default"'
    )


@pytest.mark.parametrize("verb", VERBS)
async def test_a_role_grants_exactly_its_verb(rbac_server: APIServer, verb: str) -> None:
    await grant(
        rbac_server,
        [verb],
        {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
    )
    alice = InProcessClient(rbac_server, token="alice-token")
    results = {v: await outcome(call) for v, call in operations(alice).items()}
    assert results[verb].startswith("allowed"), results
    assert all(r == "denied" for v, r in results.items() if v != verb), results


async def test_a_role_binding_does_not_reach_other_namespaces(rbac_server: APIServer) -> None:
    await grant(
        rbac_server,
        ["list"],
        {"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"},
    )
    alice = InProcessClient(rbac_server, token="alice-token")
    await alice.list(Pod, "default")
    with pytest.raises(Forbidden):
        await alice.list(Pod, "kube-system")
    with pytest.raises(Forbidden):
        await alice.list(Pod)  # all namespaces needs a ClusterRoleBinding


async def test_service_account_tokens_authenticate_and_bind(rbac_server: APIServer) -> None:
    admin = InProcessClient(rbac_server, token="admin-token")
    account = await admin.create(
        from_dict({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot"}})
    )
    tokens = rbac_server.authenticator.service_accounts  # type: ignore[attr-defined]
    token = tokens.issue("default", "bot", account.metadata.uid)
    bot = InProcessClient(rbac_server, token=token)
    with pytest.raises(Forbidden):
        await bot.get(Pod, "existing")
    await grant(
        rbac_server, ["get"], {"kind": "ServiceAccount", "name": "bot", "namespace": "default"}
    )
    assert (await bot.get(Pod, "existing")).metadata.name == "existing"
    forged = ServiceAccountTokens(SigningKey.generate(), tokens.uid_of, tokens.clock).issue(
        "default", "bot", account.metadata.uid
    )
    with pytest.raises(Unauthorized):
        await InProcessClient(rbac_server, token=forged).get(Pod, "existing")


async def test_the_scheduler_may_bind_pods_but_not_delete_nodes(rbac_server: APIServer) -> None:
    scheduler = InProcessClient(rbac_server, token="scheduler-token")
    assert [p.metadata.name for p in (await scheduler.list(Pod)).items] == ["existing"]
    await scheduler.bind("existing", "node-1")
    with pytest.raises(Forbidden):
        await scheduler.delete(Node, "node-1")
    with pytest.raises(Forbidden):
        await scheduler.create(from_dict(pod("sneaky")))


async def test_kube_proxy_reads_services_but_cannot_write_pods(rbac_server: APIServer) -> None:
    proxy = InProcessClient(rbac_server, token="proxy-token")
    listed = await proxy.raw.list(
        Target(rbac_server.catalog.by_plural("services"), ""),  # type: ignore[arg-type]
        ListOptions(),
    )
    assert [i["metadata"]["name"] for i in listed["items"]] == ["kubernetes"]
    with pytest.raises(Forbidden):
        await proxy.get(Pod, "existing")


async def test_over_http_anonymous_sees_health_but_not_pods(rbac_server: APIServer) -> None:
    async with open_http_server(rbac_server) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/version")).status_code == 200
            denied = await http.get("/api/v1/namespaces/default/pods")
            assert denied.status_code == 403
            assert denied.json()["message"].startswith(
                'pods is forbidden: User "system:anonymous" cannot list'
            )
            bad = await http.get("/api/v1/pods", headers={"Authorization": "Bearer nope"})
            assert (bad.status_code, bad.json()["reason"]) == (401, "Unauthorized")
        async with open_http_client(url, token="scheduler-token") as scheduler:
            await scheduler.bind("existing", "node-1")
            with pytest.raises(Forbidden):
                await scheduler.delete(Node, "node-1")
