"""The bootstrap RBAC policy: Kubernetes' public roles and one least-privilege role per component.

The component roles cover the identities `kubelab up` hands out (scheduler, controllers,
kubelet, kube-proxy, CoreDNS).

`ensure_bootstrap_policy` creates what is missing and leaves existing objects alone (an admin's
edits survive a restart), so every API server instance can run it on every start.
"""

from __future__ import annotations

import contextlib
from typing import Any

from components.apiserver.auth import ADMIN_USER
from components.apiserver.rbac import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES
from components.apiserver.server import APIServer
from kernel.api.errors import AlreadyExists, Conflict, NotFound
from kernel.api.requests import Target

RBAC_API = "rbac.authorization.k8s.io/v1"
READ = ["get", "list", "watch"]
WRITE_EVENTS = {
    "apiGroups": ["", "events.k8s.io"],
    "resources": ["events"],
    "verbs": ["create", "patch", "update"],
}
LEASES = {
    "apiGroups": ["coordination.k8s.io"],
    "resources": ["leases"],
    "verbs": ["get", "list", "watch", "create", "update", "patch"],
}


def _rule(groups: list[str], resources: list[str], verbs: list[str]) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


CLUSTER_ROLE_RULES: dict[str, list[dict[str, Any]]] = {
    "cluster-admin": [_rule(["*"], ["*"], ["*"]), {"nonResourceURLs": ["*"], "verbs": ["*"]}],
    "system:public-info-viewer": [
        {
            "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"],
            "verbs": ["get"],
        }
    ],
    "system:discovery": [
        {
            "nonResourceURLs": [
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/openapi",
                "/openapi/*",
                "/version",
                "/version/",
            ],
            "verbs": ["get"],
        }
    ],
    "system:kube-scheduler": [
        _rule(
            [""],
            [
                "pods",
                "nodes",
                "namespaces",
                "services",
                "persistentvolumeclaims",
                "persistentvolumes",
            ],
            READ,
        ),
        _rule([""], ["pods/binding", "bindings"], ["create"]),
        _rule([""], ["pods/status"], ["patch", "update"]),
        _rule(["apps"], ["replicasets", "statefulsets"], READ),
        WRITE_EVENTS,
        LEASES,
    ],
    "system:kube-controller-manager": [
        _rule(
            ["", "apps"],
            [
                "pods",
                "replicasets",
                "deployments",
                "services",
                "endpoints",
                "namespaces",
                "serviceaccounts",
                "configmaps",
            ],
            [*READ, "create", "update", "patch", "delete", "deletecollection"],
        ),
        _rule(
            ["", "apps"],
            [
                "pods/status",
                "replicasets/status",
                "deployments/status",
                "namespaces/status",
                "namespaces/finalize",
                "replicasets/scale",
                "deployments/scale",
            ],
            ["get", "update", "patch"],
        ),
        _rule(
            ["discovery.k8s.io"], ["endpointslices"], [*READ, "create", "update", "patch", "delete"]
        ),
        _rule([""], ["nodes"], [*READ, "delete"]),
        _rule([""], ["nodes/status"], ["patch", "update"]),
        WRITE_EVENTS,
        LEASES,
    ],
    "system:node": [
        _rule([""], ["nodes"], [*READ, "create", "update", "patch"]),
        _rule([""], ["nodes/status"], ["patch", "update"]),
        _rule([""], ["pods"], [*READ, "delete"]),
        _rule([""], ["pods/status"], ["patch", "update"]),
        _rule([""], ["services", "endpoints", "configmaps", "secrets"], READ),
        WRITE_EVENTS,
        LEASES,
    ],
    "system:node-proxier": [
        _rule([""], ["services", "endpoints", "nodes"], READ),
        _rule(["discovery.k8s.io"], ["endpointslices"], READ),
        WRITE_EVENTS,
    ],
    "system:coredns": [
        _rule([""], ["services", "endpoints", "pods", "namespaces"], ["list", "watch"]),
        _rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"]),
    ],
}
"""Bootstrap ClusterRoles by name (the component ones follow Kubernetes' bootstrap policy)."""

BINDINGS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "cluster-admin": ("cluster-admin", [("Group", "system:masters")]),
    "system:public-info-viewer": (
        "system:public-info-viewer",
        [("Group", "system:authenticated"), ("Group", "system:unauthenticated")],
    ),
    "system:discovery": ("system:discovery", [("Group", "system:authenticated")]),
    "system:kube-scheduler": ("system:kube-scheduler", [("User", "system:kube-scheduler")]),
    "system:kube-controller-manager": (
        "system:kube-controller-manager",
        [("User", "system:kube-controller-manager")],
    ),
    "system:node-proxier": ("system:node-proxier", [("User", "system:kube-proxy")]),
    "system:coredns": ("system:coredns", [("User", "system:coredns")]),
}
"""Bootstrap ClusterRoleBindings: name -> (ClusterRole, [(subject kind, subject name)])."""


def policy_objects() -> list[tuple[str, dict[str, Any]]]:
    """Every bootstrap object as (plural, wire dict), roles before bindings."""
    meta = {"labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}}
    out: list[tuple[str, dict[str, Any]]] = []
    for name, rules in CLUSTER_ROLE_RULES.items():
        out.append(
            (
                CLUSTER_ROLES.plural,
                {
                    "apiVersion": RBAC_API,
                    "kind": "ClusterRole",
                    "metadata": {"name": name, **meta},
                    "rules": rules,
                },
            )
        )
    for name, (role, subjects) in BINDINGS.items():
        out.append(
            (
                CLUSTER_ROLE_BINDINGS.plural,
                {
                    "apiVersion": RBAC_API,
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": name, **meta},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": role,
                    },
                    "subjects": [
                        {"kind": k, "name": n, "apiGroup": "rbac.authorization.k8s.io"}
                        for k, n in subjects
                    ],
                },
            )
        )
    return out


RETIRED_SUBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "system:node": (("Group", "system:nodes"),),
}
"""Subjects an older kubelab bound by default and no longer does, by ClusterRoleBinding.

Before the Node authorizer, every kubelet (group ``system:nodes``) was bound to
``system:node``, which reads every Secret; Kubernetes has kept that binding with no subjects
since 1.8. A state directory made then still holds it, so start-up removes those subjects
from the bootstrap binding (a binding without the bootstrap label is the user's, and is kept).
"""


async def ensure_bootstrap_policy(server: APIServer) -> None:
    """Create the bootstrap roles and bindings that are missing; retire old default subjects."""
    for plural, body in policy_objects():
        info = server.catalog.by_plural(plural)
        assert info is not None
        with contextlib.suppress(AlreadyExists):
            await server.create(ADMIN_USER, Target(info, "", ""), body)
    await _retire_subjects(server)


async def _retire_subjects(server: APIServer) -> None:
    info = server.catalog.by_plural(CLUSTER_ROLE_BINDINGS.plural)
    assert info is not None
    for name, retired in RETIRED_SUBJECTS.items():
        target = Target(info, "", name)
        try:
            binding = await server.get(ADMIN_USER, target)
        except NotFound:
            continue
        labels = (binding.get("metadata") or {}).get("labels") or {}
        if labels.get("kubernetes.io/bootstrapping") != "rbac-defaults":
            continue
        subjects = binding.get("subjects") or []
        kept = [s for s in subjects if (s.get("kind"), s.get("name")) not in retired]
        if len(kept) != len(subjects):
            with contextlib.suppress(Conflict):  # another API server migrated it first
                await server.update(ADMIN_USER, target, {**binding, "subjects": kept})


__all__ = [
    "BINDINGS",
    "CLUSTER_ROLE_RULES",
    "RETIRED_SUBJECTS",
    "ensure_bootstrap_policy",
    "policy_objects",
]
