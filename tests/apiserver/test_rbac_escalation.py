"""RBAC escalation and bind checks: granting a permission needs holding it, or escalate/bind."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from components.apiserver.auth import RequestAttributes
from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.rbac import rule_allows
from components.apiserver.rbac_escalation import AtomicRule, rule_covers, uncovered
from components.apiserver.server import APIServer
from kernel.api.errors import Forbidden
from kernel.objects import Pod, Secret, from_dict
from tests.apiserver.test_rbac import rbac_server  # noqa: F401 - the fixture

RBAC = "rbac.authorization.k8s.io/v1"
ALICE = {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}
_names = itertools.count()


def rule(groups: list[str], resources: list[str], verbs: list[str], **extra: Any) -> dict:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs, **extra}


def role(name: str, rules: list[dict], namespace: str = "default") -> dict:
    kind = "Role" if namespace else "ClusterRole"
    meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return {"apiVersion": RBAC, "kind": kind, "metadata": meta, "rules": rules}


def binding(name: str, role_kind: str, role_name: str, namespace: str = "default") -> dict:
    kind = "RoleBinding" if namespace else "ClusterRoleBinding"
    meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": [ALICE],
    }


async def give_alice(api: APIServer, rules: list[dict], namespace: str = "default") -> None:
    """As admin: a Role (or ClusterRole when namespace is "") with `rules`, bound to alice."""
    admin = InProcessClient(api, token="admin-token")
    name = f"alice-{next(_names)}"
    kind = "Role" if namespace else "ClusterRole"
    await admin.create(from_dict(role(name, rules, namespace)))
    await admin.create(from_dict(binding(name, kind, name, namespace)))


WRITE_RBAC = rule(
    ["rbac.authorization.k8s.io"],
    ["roles", "rolebindings", "clusterroles", "clusterrolebindings"],
    ["create", "update", "get"],
)


async def test_binding_cluster_admin_needs_holding_it(rbac_server: APIServer) -> None:  # noqa: F811
    """The reported hole: create-RoleBinding rights made a user cluster-admin."""
    await give_alice(rbac_server, [WRITE_RBAC])
    alice = InProcessClient(rbac_server, token="alice-token")
    with pytest.raises(Forbidden) as err:
        await alice.create(from_dict(binding("pwn", "ClusterRole", "cluster-admin")))
    message = err.value.message
    assert message.startswith(
        'rolebindings.rbac.authorization.k8s.io "pwn" is forbidden: user "alice" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
        "currently held:\n"
    )
    assert '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}' in message
    await give_alice(rbac_server, [WRITE_RBAC], namespace="")
    with pytest.raises(Forbidden):
        await alice.create(from_dict(binding("pwn", "ClusterRole", "cluster-admin", "")))
    with pytest.raises(Forbidden):
        await alice.list(Secret, "default")


async def test_a_star_role_needs_holding_star(rbac_server: APIServer) -> None:  # noqa: F811
    await give_alice(rbac_server, [WRITE_RBAC, rule([""], ["pods"], ["get"])])
    alice = InProcessClient(rbac_server, token="alice-token")
    with pytest.raises(Forbidden) as err:
        await alice.create(from_dict(role("star", [rule(["*"], ["*"], ["*"])])))
    assert err.value.message.endswith(
        'not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'
    )
    with pytest.raises(Forbidden):
        await alice.create(from_dict(role("star", [rule(["*"], ["*"], ["*"])], "")))
    # What she holds she may grant; one verb more she may not.
    await alice.create(from_dict(role("reader", [rule([""], ["pods"], ["get"])])))
    with pytest.raises(Forbidden) as err:
        await alice.create(from_dict(role("lister", [rule([""], ["pods"], ["get", "list"])])))
    assert err.value.message.endswith('\n{APIGroups:[""], Resources:["pods"], Verbs:["list"]}')


async def test_resource_names_narrow_what_may_be_granted(rbac_server: APIServer) -> None:  # noqa: F811
    await give_alice(rbac_server, [WRITE_RBAC, rule([""], ["pods"], ["get"], resourceNames=["a"])])
    alice = InProcessClient(rbac_server, token="alice-token")
    await alice.create(
        from_dict(role("only-a", [rule([""], ["pods"], ["get"], resourceNames=["a"])]))
    )
    for name, extra in (("b", {"resourceNames": ["a", "b"]}), ("all", {})):
        with pytest.raises(Forbidden):
            await alice.create(from_dict(role(name, [rule([""], ["pods"], ["get"], **extra)])))


async def test_updating_a_role_to_more_is_refused(rbac_server: APIServer) -> None:  # noqa: F811
    await give_alice(rbac_server, [WRITE_RBAC, rule([""], ["pods"], ["get"])])
    alice = InProcessClient(rbac_server, token="alice-token")
    created = await alice.create(from_dict(role("grow", [rule([""], ["pods"], ["get"])])))
    wider = role("grow", [rule([""], ["pods", "secrets"], ["get"])])
    wider["metadata"]["resourceVersion"] = created.metadata.resource_version
    with pytest.raises(Forbidden):
        await alice.update(from_dict(wider))


async def test_escalate_verb_allows_granting_more(rbac_server: APIServer) -> None:  # noqa: F811
    escalate = rule(["rbac.authorization.k8s.io"], ["roles"], ["escalate"])
    await give_alice(rbac_server, [WRITE_RBAC, escalate])
    alice = InProcessClient(rbac_server, token="alice-token")
    await alice.create(from_dict(role("star", [rule(["*"], ["*"], ["*"])])))


async def test_bind_verb_allows_binding_that_role_only(rbac_server: APIServer) -> None:  # noqa: F811
    bind = rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["bind"], resourceNames=["admin"])
    await give_alice(rbac_server, [WRITE_RBAC, bind])
    alice = InProcessClient(rbac_server, token="alice-token")
    await alice.create(from_dict(binding("ok", "ClusterRole", "admin")))
    with pytest.raises(Forbidden):
        await alice.create(from_dict(binding("no", "ClusterRole", "cluster-admin")))


async def test_binding_a_role_she_holds_is_allowed(rbac_server: APIServer) -> None:  # noqa: F811
    admin = InProcessClient(rbac_server, token="admin-token")
    await admin.create(from_dict(role("pod-reader", [rule([""], ["pods"], ["get", "list"])])))
    await give_alice(rbac_server, [WRITE_RBAC, rule([""], ["pods"], ["*"])])
    alice = InProcessClient(rbac_server, token="alice-token")
    await alice.create(from_dict(binding("share", "Role", "pod-reader")))
    assert await alice.list(Pod, "default") is not None


# ---------------------------------------------------------------- covering semantics


def test_subresource_and_url_wildcards_cover() -> None:
    assert rule_covers(rule([""], ["*/status"], ["get"]), AtomicRule("get", "", "pods/status"))
    assert not rule_covers(rule([""], ["*/status"], ["get"]), AtomicRule("get", "", "pods"))
    assert rule_covers(
        {"nonResourceURLs": ["/api*"], "verbs": ["get"]}, AtomicRule("get", url="/apis/x")
    )
    assert not rule_covers(
        {"nonResourceURLs": ["/api"], "verbs": ["get"]}, AtomicRule("get", url="/apis")
    )
    assert (
        uncovered([rule(["*"], ["*"], ["*"])], [rule(["x"], ["y"], ["z"], resourceNames=["n"])])
        == []
    )


WORDS = st.sampled_from(["", "apps", "pods", "pods/log", "get", "list", "a", "b"])
FIELD = st.lists(st.one_of(WORDS, st.just("*"), st.just("*/log")), max_size=3)


@given(
    owner=st.fixed_dictionaries(
        {"apiGroups": FIELD, "resources": FIELD, "verbs": FIELD, "resourceNames": FIELD}
    ),
    verb=st.sampled_from(["get", "list"]),
    group=st.sampled_from(["", "apps"]),
    resource=st.sampled_from(["pods", "pods/log"]),
    name=st.sampled_from(["", "a", "b"]),
)
def test_covering_one_request_agrees_with_the_authorizer(
    owner: dict, verb: str, group: str, resource: str, name: str
) -> None:
    """An owner rule covers a concrete atomic rule exactly when it would authorize it.

    One deliberate difference: a name-less atomic rule means "every name", which a rule
    restricted to resourceNames [""] does not cover, although it authorizes a name-less request
    (the escalation check errs on the side of refusing).
    """
    assume(name or "" not in owner["resourceNames"])
    res, _, sub = resource.partition("/")
    attributes = RequestAttributes(verb, res, group, "v1", "default", name, sub)
    assert rule_covers(owner, AtomicRule(verb, group, resource, name)) == rule_allows(
        owner, attributes
    )
