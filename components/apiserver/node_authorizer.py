"""The Node authorizer: a kubelet (``system:node:<name>`` in ``system:nodes``) reaches only its own.

Kubernetes' Node authorizer, decided from the store instead of a graph: a node may read the
Secrets, ConfigMaps, PersistentVolumeClaims and ServiceAccounts that pods bound to it
(``spec.nodeName``) reference; get, delete and write the status of those pods; list and watch
pods only with ``fieldSelector=spec.nodeName=<itself>``; read nodes and write its own Node;
use its own Lease in ``kube-node-lease``; write Events; read Services and Endpoints. Names in
bodies (a created Node or Lease) are checked by the `NodeRestriction` admission plugin. Every
other request, and every request of other users, goes to the next authorizer (RBAC), as
Kubernetes' ``--authorization-mode=Node,RBAC``; the bootstrap policy binds no role to
``system:nodes`` (as Kubernetes since 1.8), so what is refused here is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from components.apiserver.auth import Authorizer, Decision, RequestAttributes, UserInfo
from components.apiserver.storage import Obj, ResourceKey, Storage, decode
from kernel.interfaces.store import prefix_end

NODES_GROUP = "system:nodes"
NODE_PREFIX = "system:node:"
LEASE_NAMESPACE = "kube-node-lease"
PODS = ResourceKey("pods")
READ = frozenset({"get", "list", "watch"})
REFERENCED = {
    "secrets": "secret",
    "configmaps": "configmap",
    "persistentvolumeclaims": "pvc",
    "serviceaccounts": "serviceaccount",
}
"""Resources a node reads only when one of its pods references the object."""


def node_name(user: UserInfo) -> str | None:
    """The node a user is the kubelet of, or None (Kubernetes' NodeIdentifier)."""
    if NODES_GROUP not in user.groups or not user.name.startswith(NODE_PREFIX):
        return None
    return user.name[len(NODE_PREFIX) :] or None


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                yield container


def pod_references(pod: Obj) -> set[tuple[str, str]]:
    """(kind, name) of every secret, configmap, pvc and serviceaccount a pod uses."""
    spec = pod.get("spec") or {}
    refs: set[tuple[str, str]] = {("serviceaccount", spec.get("serviceAccountName") or "default")}
    refs |= {("secret", s.get("name", "")) for s in spec.get("imagePullSecrets") or []}
    for volume in spec.get("volumes") or []:
        refs |= _volume_refs(volume)
    for container in _containers(spec):
        for env in container.get("env") or []:
            source = (env or {}).get("valueFrom") or {}
            refs.add(("secret", (source.get("secretKeyRef") or {}).get("name", "")))
            refs.add(("configmap", (source.get("configMapKeyRef") or {}).get("name", "")))
        for env_from in container.get("envFrom") or []:
            refs.add(("secret", ((env_from or {}).get("secretRef") or {}).get("name", "")))
            refs.add(("configmap", ((env_from or {}).get("configMapRef") or {}).get("name", "")))
    return {(kind, name) for kind, name in refs if isinstance(name, str) and name}


def _volume_refs(volume: Any) -> set[tuple[str, str]]:
    if not isinstance(volume, dict):
        return set()
    refs = {
        ("secret", (volume.get("secret") or {}).get("secretName", "")),
        ("configmap", (volume.get("configMap") or {}).get("name", "")),
        ("pvc", (volume.get("persistentVolumeClaim") or {}).get("claimName", "")),
    }
    for source in (volume.get("projected") or {}).get("sources") or []:
        refs.add(("secret", ((source or {}).get("secret") or {}).get("name", "")))
        refs.add(("configmap", ((source or {}).get("configMap") or {}).get("name", "")))
    return refs


def selects_node(field_selector: str, node: str) -> bool:
    """Whether a field selector restricts to ``spec.nodeName=<node>`` (other terms only narrow)."""
    terms = {t.strip().replace("==", "=") for t in field_selector.split(",")}
    return f"spec.nodeName={node}" in terms


@attrs.define
class NodeAuthorizer:
    """Decides kubelets' requests (see the module docstring); others go to `then`."""

    storage: Storage
    then: Authorizer
    """The next authorizer (RBAC): every request this one has no opinion on."""

    async def authorize(self, user: UserInfo, attributes: RequestAttributes) -> Decision:
        """Allow what a node's own pods need; pass everything else to `then`."""
        node = node_name(user)
        if node is not None and await self._allows(node, attributes):
            return Decision(True, f'Node: allowed for node "{node}"')
        return await self.then.authorize(user, attributes)

    async def rules_for(self, user: UserInfo, namespace: str) -> list[Any]:
        """The RBAC rules of `user` (escalation checks look at RBAC only, as Kubernetes)."""
        rules_for = getattr(self.then, "rules_for", None)
        return list(await rules_for(user, namespace)) if rules_for is not None else []

    async def _allows(self, node: str, a: RequestAttributes) -> bool:
        if not a.resource_request:
            return False
        group, resource, sub, verb = a.api_group, a.resource, a.subresource, a.verb
        if group == "" and resource in REFERENCED and not sub and verb == "get":
            wanted = (REFERENCED[resource], a.name)
            return any(wanted in pod_references(p) for p in await self._pods(node, a.namespace))
        if group == "" and resource == "pods":
            return await self._pod_allows(node, a)
        if group == "" and resource == "nodes":
            if not sub and (verb in READ or verb == "create"):  # created name: NodeRestriction
                return True
            return a.name == node and sub in ("", "status") and _writes(verb)
        if group == "coordination.k8s.io" and resource == "leases" and not sub:
            if a.namespace != LEASE_NAMESPACE:
                return False
            own = a.name == node and verb in {"get", "update", "patch", "delete"}
            return verb == "create" or own  # a created Lease's name: NodeRestriction
        if group in ("", "events.k8s.io") and resource == "events" and not sub:
            return verb in {"create", "update", "patch"}
        if group == "" and resource in ("services", "endpoints") and not sub:
            return verb in READ
        return False

    async def _pod_allows(self, node: str, a: RequestAttributes) -> bool:
        if a.verb in ("list", "watch") and not a.subresource:
            return selects_node(a.field_selector, node)
        if not a.name or (a.subresource not in ("", "status")):
            return False
        if a.subresource == "status" and a.verb not in ("get", "update", "patch"):
            return False
        if not a.subresource and a.verb not in ("get", "delete"):
            return False
        pod = await self.storage.try_get(PODS, a.namespace, a.name)
        return pod is not None and (pod.get("spec") or {}).get("nodeName") == node

    async def _pods(self, node: str, namespace: str) -> list[Obj]:
        prefix = PODS.prefix(namespace)
        result = await self.storage.range(prefix, prefix_end(prefix))
        pods = [decode(kv) for kv in result.kvs]
        return [p for p in pods if (p.get("spec") or {}).get("nodeName") == node]


def _writes(verb: str) -> bool:
    return verb in {"create", "update", "patch", "delete"}


__all__ = ["NodeAuthorizer", "node_name", "pod_references", "selects_node"]
