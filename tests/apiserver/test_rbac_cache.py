"""RBAC decisions from the watched cache: no store reads, same answers, changes take effect."""

from __future__ import annotations

import random
from typing import Any

import attrs
import trio

from components.apiserver.auth import ADMIN_USER, RequestAttributes, UserInfo
from components.apiserver.rbac import RBACAuthorizer
from components.apiserver.rbac_policy import ensure_bootstrap_policy
from components.apiserver.server import APIServer
from components.apiserver.storage import Storage
from kernel.api.requests import DeleteOptions, Target
from kernel.interfaces.store import Store
from kernel.objects import resource_for_kind

ALICE = UserInfo("alice", groups=("system:authenticated",))
LIST_PODS = RequestAttributes("list", "pods", "", "v1", "default")
WATCH_DELAY = 2.0
"""Generous bound for a watch event to reach the cache on a loaded machine."""


@attrs.define
class CountingStore:
    """Passes everything to a real store, counting reads (range calls)."""

    inner: Store
    ranges: int = 0

    async def range(self, *args: Any, **kwargs: Any) -> Any:
        self.ranges += 1
        return await self.inner.range(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def admin_server(store: Store) -> APIServer:
    api = APIServer(store, rng=random.Random(5))
    await api.start()
    await ensure_bootstrap_policy(api)
    return api


def role_and_binding() -> tuple[dict[str, Any], dict[str, Any]]:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "pod-reader", "namespace": "default"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "alice-reads", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
        "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}],
    }
    return role, binding


async def eventually(authorizer: RBACAuthorizer, allowed: bool) -> float:
    """Seconds until the decision on LIST_PODS for alice is `allowed` (fails past the bound)."""
    start = trio.current_time()
    with trio.fail_after(WATCH_DELAY):
        while (await authorizer.authorize(ALICE, LIST_PODS)).allowed is not allowed:
            await trio.sleep(0.001)
    return trio.current_time() - start


async def test_a_rolebinding_created_then_deleted_takes_effect_within_the_watch_delay(
    store: Store,
) -> None:
    api = await admin_server(store)
    counting = CountingStore(store)
    authorizer = RBACAuthorizer(Storage(counting))  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(authorizer.run)
        assert authorizer.cache.synced
        reads = counting.ranges
        assert not (await authorizer.authorize(ALICE, LIST_PODS)).allowed
        role, binding = role_and_binding()
        user = ADMIN_USER
        rb_info = resource_for_kind("RoleBinding")
        await api.create(user, Target(resource_for_kind("Role"), "default"), role)
        await api.create(user, Target(rb_info, "default"), binding)
        await eventually(authorizer, allowed=True)
        decision = await authorizer.authorize(ALICE, LIST_PODS)
        assert decision.reason == 'RBAC: allowed by RoleBinding "alice-reads" of Role "pod-reader"'
        await api.delete(user, Target(rb_info, "default", "alice-reads"), DeleteOptions())
        await eventually(authorizer, allowed=False)
        assert counting.ranges == reads, "decisions read the store although the cache is synced"
        nursery.cancel_scope.cancel()
    assert not authorizer.cache.synced


async def test_cached_decisions_equal_store_decisions_for_the_bootstrap_policy(
    store: Store,
) -> None:
    await admin_server(store)
    cached, direct = RBACAuthorizer(Storage(store)), RBACAuthorizer(Storage(store))
    users = [
        UserInfo("system:kube-scheduler", groups=("system:authenticated",)),
        UserInfo("system:kube-proxy", groups=("system:authenticated",)),
        UserInfo("system:node:n1", groups=("system:nodes", "system:authenticated")),
        UserInfo("system:anonymous", groups=("system:unauthenticated",)),
        ALICE,
    ]
    requests = [
        RequestAttributes(verb, resource, group, "v1", namespace, "", sub)
        for verb in ("get", "list", "watch", "create", "update", "patch", "delete")
        for resource, group, sub in (
            ("pods", "", ""),
            ("pods", "", "binding"),
            ("pods", "", "status"),
            ("nodes", "", ""),
            ("leases", "coordination.k8s.io", ""),
            ("deployments", "apps", ""),
        )
        for namespace in ("", "default")
    ]
    requests += [RequestAttributes("get", path=p) for p in ("/healthz", "/api", "/metrics")]
    async with trio.open_nursery() as nursery:
        await nursery.start(cached.run)
        allowed = 0
        for user in users:
            for attributes in requests:
                want = await direct.authorize(user, attributes)
                got = await cached.authorize(user, attributes)
                assert got == want, (user.name, attributes)
                allowed += want.allowed
        assert 0 < allowed < len(users) * len(requests)  # the comparison covered both answers
        nursery.cancel_scope.cancel()
