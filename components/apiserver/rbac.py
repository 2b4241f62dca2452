"""RBAC: Kubernetes' role-based authorizer, reading Roles and bindings from the store.

Deny by default. A request is allowed when some binding names the user (as a User, one of
its Groups, or its ServiceAccount) and the role it grants has a rule matching the verb, API
group, resource (``pods`` or ``pods/binding``), name and namespace (or, for discovery and
health, the URL path). ClusterRoleBindings grant everywhere; RoleBindings in their namespace
only. The ``system:masters`` group is allowed everything without a lookup, as in Kubernetes.

While `RBACAuthorizer.run` runs (``kubelab up`` starts it), decisions come from a local cache
of the four RBAC resources, fed by store watches the way an informer is (list, then watch from
that revision; relist when the watch is compacted or fails), so a request costs no store read;
a change takes effect once its watch event arrives (milliseconds; Kubernetes' RBAC is eventually
consistent the same way). Until the cache is synced, or without `run`, each decision reads the
bindings and roles from the store, so every API server over one store decides alike the moment
a binding is written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import attrs
import trio

from components.apiserver.auth import ADMIN_GROUP, Decision, RequestAttributes, UserInfo
from components.apiserver.storage import Obj, ResourceKey, Storage, decode, store_errors
from kernel.api.errors import StatusError
from kernel.interfaces.store import EventType, prefix_end

log = logging.getLogger("kubelab.apiserver")

RELIST_DELAY = 0.5
"""Seconds the cache waits before relisting after its watch failed."""

RBAC_GROUP = "rbac.authorization.k8s.io"
CLUSTER_ROLES = ResourceKey("clusterroles", RBAC_GROUP, namespaced=False)
CLUSTER_ROLE_BINDINGS = ResourceKey("clusterrolebindings", RBAC_GROUP, namespaced=False)
ROLES = ResourceKey("roles", RBAC_GROUP)
ROLE_BINDINGS = ResourceKey("rolebindings", RBAC_GROUP)


def _has(values: Any, wanted: str) -> bool:
    return isinstance(values, list) and ("*" in values or wanted in values)


def _resource_matches(resources: Any, attributes: RequestAttributes) -> bool:
    if not isinstance(resources, list):
        return False
    if not attributes.subresource:
        return "*" in resources or attributes.resource in resources
    full = f"{attributes.resource}/{attributes.subresource}"
    return "*" in resources or full in resources or f"*/{attributes.subresource}" in resources


def _url_matches(urls: Any, path: str) -> bool:
    if not isinstance(urls, list):
        return False
    for url in urls:
        if url in ("*", path):
            return True
        if isinstance(url, str) and url.endswith("*") and path.startswith(url[:-1]):
            return True
    return False


def rule_allows(rule: Any, attributes: RequestAttributes) -> bool:
    """Whether one PolicyRule (wire form) covers the request (Kubernetes' RuleAllows)."""
    if not isinstance(rule, dict) or not _has(rule.get("verbs"), attributes.verb):
        return False
    if not attributes.resource_request:
        return _url_matches(rule.get("nonResourceURLs"), attributes.path)
    if not _has(rule.get("apiGroups"), attributes.api_group):
        return False
    if not _resource_matches(rule.get("resources"), attributes):
        return False
    names = rule.get("resourceNames") or []
    return not names or attributes.name in names


def subject_matches(subject: Any, user: UserInfo, binding_namespace: str) -> bool:
    """Whether a binding's subject names `user` (directly, by group, or as a ServiceAccount)."""
    if not isinstance(subject, dict):
        return False
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return name == user.name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return user.name == f"system:serviceaccount:{namespace}:{name}"
    return False


@attrs.define(eq=False)
class RBACCache:
    """The RBAC objects by key, as of the last watch event applied (one dict per resource)."""

    objects: dict[ResourceKey, dict[bytes, Obj]] = attrs.field(
        factory=lambda: {
            rk: {} for rk in (CLUSTER_ROLES, CLUSTER_ROLE_BINDINGS, ROLES, ROLE_BINDINGS)
        }
    )
    live: set[ResourceKey] = attrs.field(factory=set)
    """Resources whose list is loaded and whose watch is open."""

    @property
    def synced(self) -> bool:
        """Whether every resource is live (only then are decisions taken from the cache)."""
        return len(self.live) == len(self.objects)

    def bindings(self, rk: ResourceKey, prefix: bytes) -> list[Obj]:
        return [obj for key, obj in self.objects[rk].items() if key.startswith(prefix)]

    def role(self, rk: ResourceKey, namespace: str, name: str) -> Obj | None:
        return self.objects[rk].get(rk.key(namespace, name))


@attrs.define
class RBACAuthorizer:
    """The `Authorizer` that enforces RBAC objects held in `storage`."""

    storage: Storage
    cache: RBACCache = attrs.field(factory=RBACCache)

    async def authorize(self, user: UserInfo, attributes: RequestAttributes) -> Decision:
        """Allow when a binding of `user` grants a matching rule; deny otherwise."""
        if ADMIN_GROUP in user.groups:
            return Decision(True, "system:masters")
        if self.cache.synced:
            return self._decide(user, attributes, self.cache)
        for binding in await self._bindings(CLUSTER_ROLE_BINDINGS.prefix(None)):
            if await self._grants(binding, user, "", attributes):
                return Decision(True, _allowed_by(binding))
        if attributes.namespace:
            for binding in await self._bindings(ROLE_BINDINGS.prefix(attributes.namespace)):
                if await self._grants(binding, user, attributes.namespace, attributes):
                    return Decision(True, _allowed_by(binding))
        return Decision(False, "")

    def _decide(self, user: UserInfo, attributes: RequestAttributes, cache: RBACCache) -> Decision:
        """The same decision as the store-reading path, from the cache (no awaits)."""
        scopes = [(CLUSTER_ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS.prefix(None), "")]
        if attributes.namespace:
            ns = attributes.namespace
            scopes.append((ROLE_BINDINGS, ROLE_BINDINGS.prefix(ns), ns))
        for rk, prefix, namespace in scopes:
            for binding in cache.bindings(rk, prefix):
                subjects = binding.get("subjects") or []
                if not any(subject_matches(s, user, namespace) for s in subjects):
                    continue
                ref = binding.get("roleRef") or {}
                name = ref.get("name") or ""
                if ref.get("kind") == "ClusterRole":
                    role = cache.role(CLUSTER_ROLES, "", name)
                elif ref.get("kind") == "Role" and namespace:
                    role = cache.role(ROLES, namespace, name)
                else:
                    role = None
                if any(rule_allows(r, attributes) for r in (role or {}).get("rules") or []):
                    return Decision(True, _allowed_by(binding))
        return Decision(False, "")

    async def rules_for(self, user: UserInfo, namespace: str) -> list[Any]:
        """Every rule `user` holds in `namespace` ("" = cluster-wide only), for escalation checks.

        ClusterRoleBindings count everywhere, RoleBindings in their namespace (Kubernetes'
        RulesFor). Read from the cache when synced, else from the store.
        """
        scopes = [(CLUSTER_ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS.prefix(None), "")]
        if namespace:
            scopes.append((ROLE_BINDINGS, ROLE_BINDINGS.prefix(namespace), namespace))
        rules: list[Any] = []
        for rk, prefix, scope in scopes:
            if self.cache.synced:
                bindings = self.cache.bindings(rk, prefix)
            else:
                bindings = await self._bindings(prefix)
            for binding in bindings:
                subjects = binding.get("subjects") or []
                if any(subject_matches(s, user, scope) for s in subjects):
                    rules.extend(await self._binding_rules(binding, scope))
        return rules

    async def _binding_rules(self, binding: Obj, namespace: str) -> Iterable[Any]:
        if not self.cache.synced:
            return await self._rules(binding, namespace)
        ref = binding.get("roleRef") or {}
        name = ref.get("name") or ""
        if ref.get("kind") == "ClusterRole":
            role = self.cache.role(CLUSTER_ROLES, "", name)
        elif ref.get("kind") == "Role" and namespace:
            role = self.cache.role(ROLES, namespace, name)
        else:
            role = None
        return (role or {}).get("rules") or []

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Keep the cache in sync with the store until cancelled (reports started once synced).

        Each resource is listed, then watched from the list's revision; a failed or compacted
        watch relists that resource. The cache is used only while every resource is synced.
        """
        ready: list[trio.Event] = []
        try:
            async with trio.open_nursery() as nursery:
                for rk in self.cache.objects:
                    event = trio.Event()
                    ready.append(event)
                    nursery.start_soon(self._follow, rk, event)
                for event in ready:
                    await event.wait()
                task_status.started()
        finally:
            self.cache.live.clear()

    async def _follow(self, rk: ResourceKey, ready: trio.Event) -> None:
        prefix = rk.prefix(None)
        table = self.cache.objects[rk]
        while True:
            try:
                with store_errors():
                    res = await self.storage.store.range(prefix, prefix_end(prefix))
                    table.clear()
                    table.update({kv.key: decode(kv) for kv in res.kvs})
                    async with self.storage.store.watch(
                        prefix, prefix_end(prefix), start_revision=res.revision + 1
                    ) as events:
                        self.cache.live.add(rk)
                        ready.set()
                        async for event in events:
                            if event.type is EventType.DELETE:
                                table.pop(event.kv.key, None)
                            else:
                                table[event.kv.key] = decode(event.kv)
            except StatusError as err:
                log.warning("RBAC cache: watching %s failed (%s); relisting", rk.plural, err)
            finally:
                self.cache.live.discard(rk)
            await trio.sleep(RELIST_DELAY)

    async def _bindings(self, prefix: bytes) -> list[Obj]:
        result = await self.storage.range(prefix, prefix_end(prefix))
        return [decode(kv) for kv in result.kvs]

    async def _grants(
        self, binding: Obj, user: UserInfo, namespace: str, attributes: RequestAttributes
    ) -> bool:
        subjects = binding.get("subjects") or []
        if not any(subject_matches(s, user, namespace) for s in subjects):
            return False
        return any(rule_allows(r, attributes) for r in await self._rules(binding, namespace))

    async def _rules(self, binding: Obj, namespace: str) -> Iterable[Any]:
        ref = binding.get("roleRef") or {}
        name = ref.get("name") or ""
        if ref.get("kind") == "ClusterRole":
            role = await self.storage.try_get(CLUSTER_ROLES, "", name)
        elif ref.get("kind") == "Role" and namespace:
            role = await self.storage.try_get(ROLES, namespace, name)
        else:
            role = None
        return (role or {}).get("rules") or []


def _allowed_by(binding: Obj) -> str:
    meta = binding.get("metadata") or {}
    ref = binding.get("roleRef") or {}
    kind = "RoleBinding" if meta.get("namespace") else "ClusterRoleBinding"
    return f'RBAC: allowed by {kind} "{meta.get("name")}" of {ref.get("kind")} "{ref.get("name")}"'


__all__ = ["RBACAuthorizer", "RBACCache", "rule_allows", "subject_matches"]
