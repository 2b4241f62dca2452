"""RBAC's escalation and bind checks: nobody grants a permission they do not hold.

Kubernetes refuses a Role or ClusterRole whose rules the requesting user does not already hold
(in the role's namespace), unless the user may ``escalate`` that role; and a RoleBinding or
ClusterRoleBinding whose referenced role grants more than the user holds, unless the user may
``bind`` that role. Holding is judged rule by rule, after breaking each requested rule into
one verb on one group/resource/name (or one URL), with Kubernetes' covering rules: ``*``
covers everything in its field, ``*/sub`` covers any resource's ``sub``, a rule without
resourceNames covers every name, and a URL ending in ``*`` covers every path under it.
``system:masters`` is exempt, as in Kubernetes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from components.apiserver.admission import AdmissionRequest
from components.apiserver.auth import ADMIN_GROUP, Authorizer, RequestAttributes, UserInfo
from kernel.api.errors import Forbidden
from kernel.objects import to_dict

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLE_KINDS = {"roles": "Role", "clusterroles": "ClusterRole"}
BINDING_KINDS = ("rolebindings", "clusterrolebindings")


@runtime_checkable
class RuleResolver(Protocol):
    """An authorizer that can list the rules a user holds in a namespace ("" = cluster-wide)."""

    async def rules_for(self, user: UserInfo, namespace: str) -> list[dict[str, Any]]: ...


@attrs.frozen
class AtomicRule:
    """One verb on one (group, resource, name), or one verb on one non-resource URL."""

    verb: str
    group: str = ""
    resource: str = ""
    name: str = ""
    url: str = ""

    def describe(self) -> str:
        """Kubernetes' compact rule text: ``{APIGroups:[""], Resources:["pods"], Verbs:[...]}``."""
        q = json.dumps
        if self.url:
            return f"{{NonResourceURLs:[{q(self.url)}], Verbs:[{q(self.verb)}]}}"
        parts = [f"APIGroups:[{q(self.group)}]", f"Resources:[{q(self.resource)}]"]
        if self.name:
            parts.append(f"ResourceNames:[{q(self.name)}]")
        parts.append(f"Verbs:[{q(self.verb)}]")
        return "{" + ", ".join(parts) + "}"


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else []


def breakdown(rule: Any) -> list[AtomicRule]:
    """The atomic rules one PolicyRule (wire form) grants (Kubernetes' BreakdownRule)."""
    if not isinstance(rule, dict):
        return []
    verbs = _strings(rule.get("verbs"))
    names = _strings(rule.get("resourceNames")) or [""]
    out = [
        AtomicRule(verb, group, resource, name)
        for group in _strings(rule.get("apiGroups"))
        for resource in _strings(rule.get("resources"))
        for verb in verbs
        for name in names
    ]
    out += [
        AtomicRule(verb, url=url) for url in _strings(rule.get("nonResourceURLs")) for verb in verbs
    ]
    return out


def _resource_covers(owned: list[str], resource: str) -> bool:
    if "*" in owned or resource in owned:
        return True
    if "/" not in resource:
        return False
    return "*/" + resource.split("/", 1)[1] in owned


def _url_covers(owned: str, path: str) -> bool:
    return owned == path or (owned.endswith("*") and path.startswith(owned.rstrip("*")))


def rule_covers(owner: Any, sub: AtomicRule) -> bool:
    """Whether one held PolicyRule covers one atomic rule (Kubernetes' ruleCovers)."""
    if not isinstance(owner, dict):
        return False
    verbs = _strings(owner.get("verbs"))
    if "*" not in verbs and sub.verb not in verbs:
        return False
    if sub.url:
        return any(_url_covers(u, sub.url) for u in _strings(owner.get("nonResourceURLs")))
    groups = _strings(owner.get("apiGroups"))
    if "*" not in groups and sub.group not in groups:
        return False
    if not _resource_covers(_strings(owner.get("resources")), sub.resource):
        return False
    names = _strings(owner.get("resourceNames"))
    return not names or (bool(sub.name) and sub.name in names)


def uncovered(owned: Sequence[Any], requested: Iterable[Any]) -> list[AtomicRule]:
    """The atomic rules of `requested` that no rule in `owned` covers, in order, once each."""
    missing: dict[AtomicRule, None] = {}
    for rule in requested:
        for atom in breakdown(rule):
            if not any(rule_covers(o, atom) for o in owned):
                missing[atom] = None
    return list(missing)


def escalation_message(user: UserInfo, missing: Sequence[AtomicRule]) -> str:
    """Kubernetes' wording for a refused grant (the text after ``... is forbidden:``)."""
    groups = " ".join(json.dumps(g) for g in user.groups)
    rules = "\n".join(m.describe() for m in missing)
    return (
        f"user {json.dumps(user.name)} (groups=[{groups}]) is attempting to grant RBAC "
        f"permissions not currently held:\n{rules}"
    )


@attrs.frozen
class RBACEscalationCheck:
    """The validating admission plugin that refuses Roles and bindings granting unheld rights."""

    authorizer: Authorizer
    name: str = "RBACEscalationCheck"

    async def validate(self, request: AdmissionRequest) -> None:
        """Raise 403 when a Role/binding write grants permissions the user does not hold."""
        res = request.resource
        if res.group != RBAC_GROUP or request.operation not in ("CREATE", "UPDATE"):
            return
        if request.object is None or request.subresource or ADMIN_GROUP in request.user.groups:
            return
        body = to_dict(request.object)
        old = to_dict(request.old_object) if request.old_object is not None else None
        if res.plural in ROLE_KINDS:
            if old is not None and old.get("rules") == body.get("rules"):
                return
            if await self._may(request, "escalate", res.plural, request.name, request.namespace):
                return
            await self._confirm(request, request.namespace, body.get("rules") or [])
        elif res.plural in BINDING_KINDS:
            ref = body.get("roleRef") or {}
            if old is not None and (old.get("roleRef"), old.get("subjects")) == (
                ref,
                body.get("subjects"),
            ):
                return
            kind = ref.get("kind")
            plural = "roles" if kind == "Role" else "clusterroles"
            role_name = ref.get("name") or ""
            if await self._may(request, "bind", plural, role_name, request.namespace):
                return
            rules = await self._referenced_rules(request, plural, role_name)
            await self._confirm(request, request.namespace, rules)

    async def _may(
        self, request: AdmissionRequest, verb: str, plural: str, name: str, namespace: str
    ) -> bool:
        attributes = RequestAttributes(verb, plural, RBAC_GROUP, "v1", namespace, name)
        return (await self.authorizer.authorize(request.user, attributes)).allowed

    async def _referenced_rules(
        self, request: AdmissionRequest, plural: str, name: str
    ) -> list[Any]:
        namespace = request.namespace if plural == "roles" else ""
        role = await request.reader.read(plural, namespace, name)
        return list(to_dict(role).get("rules") or []) if role is not None else []

    async def _confirm(self, request: AdmissionRequest, namespace: str, rules: list[Any]) -> None:
        owned: list[Any] = []
        if isinstance(self.authorizer, RuleResolver):
            owned = await self.authorizer.rules_for(request.user, namespace)
        missing = uncovered(owned, rules)
        if missing:
            name = request.name or (request.object.metadata.name if request.object else "") or ""
            why = escalation_message(request.user, missing)
            raise Forbidden.new(request.resource.plural, RBAC_GROUP, name, why)


__all__ = [
    "AtomicRule",
    "RBACEscalationCheck",
    "RuleResolver",
    "breakdown",
    "escalation_message",
    "rule_covers",
    "uncovered",
]
