"""`validate` and `validate_update`: the API server's checks before it stores an object.

Rules and messages follow Kubernetes' ``pkg/apis/*/validation``. Fields that are still unset
are treated as "will be defaulted", so validating before or after `apply_defaults` both work.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import attrs

from kernel.objects import (
    ClusterRole,
    ClusterRoleBinding,
    ConfigMap,
    Deployment,
    DeploymentSpec,
    Endpoints,
    Event,
    FieldError,
    KubeObject,
    LabelSelector,
    Lease,
    NetworkPolicy,
    NetworkPolicyPeer,
    Node,
    Pod,
    PodTemplateSpec,
    PolicyRule,
    ReplicaSet,
    ReplicaSetSpec,
    Role,
    RoleBinding,
    RoleRef,
    Secret,
    Service,
    Subject,
    is_dns1123_subdomain,
    is_qualified_name,
    resource_for_kind,
    to_dict,
)

from .common import (
    DNS1035,
    LABEL,
    SUBDOMAIN,
    NameValidator,
    in_range,
    name_is_path_segment,
    non_negative,
    validate_cidr,
    validate_int_or_port_name,
    validate_ip,
    validate_labels,
    validate_object_meta,
    validate_port_name,
    validate_port_number,
    validate_selector,
    validate_supported,
)
from .pod import PROTOCOLS, TAINT_EFFECTS, validate_pod_spec

__all__ = ["validate", "validate_update"]

_NAME_RULES: dict[str, NameValidator] = {
    "Namespace": LABEL,
    "Service": DNS1035,
    "Role": name_is_path_segment,
    "ClusterRole": name_is_path_segment,
    "RoleBinding": name_is_path_segment,
    "ClusterRoleBinding": name_is_path_segment,
}
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
RBAC_GROUP = "rbac.authorization.k8s.io"
_CONFIG_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
_CONFIG_KEY_MESSAGE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def validate(obj: KubeObject) -> list[FieldError]:
    """Every rule ``obj`` breaks, each a FieldError worded as Kubernetes words it."""
    info = resource_for_kind(obj.KIND)
    errors = validate_object_meta(
        obj.metadata, namespaced=info.namespaced, name_rule=_NAME_RULES.get(obj.KIND, SUBDOMAIN)
    )
    return errors + _validate_kind(obj)


@functools.singledispatch
def _validate_kind(_obj: Any) -> list[FieldError]:
    return []  # kinds without rules beyond metadata


@_validate_kind.register
def _(obj: Pod) -> list[FieldError]:
    return validate_pod_spec(obj.spec)


def _validate_template(
    template: PodTemplateSpec | None, selector: LabelSelector | None, path: str
) -> list[FieldError]:
    if template is None:
        return [FieldError.required(f"{path}.template")]
    tp = f"{path}.template"
    errors = validate_labels(template.metadata.labels, f"{tp}.metadata.labels")
    if (
        selector is not None
        and not selector.is_empty()
        and not selector.matches(template.metadata.labels)
    ):
        errors.append(
            FieldError.invalid(
                f"{tp}.metadata.labels",
                dict(template.metadata.labels),
                "`selector` does not match template `labels`",
            )
        )
    errors.extend(validate_pod_spec(template.spec, f"{tp}.spec", restart_policies=("Always",)))
    return errors


def _validate_workload(spec: ReplicaSetSpec | DeploymentSpec, kind: str) -> list[FieldError]:
    errors = non_negative(spec.replicas, "spec.replicas")
    errors += non_negative(spec.min_ready_seconds, "spec.minReadySeconds")
    if spec.selector is None:
        errors.append(FieldError.required("spec.selector"))
    else:
        errors.extend(validate_selector(spec.selector, "spec.selector"))
        if spec.selector.is_empty():
            errors.append(
                FieldError.invalid(
                    "spec.selector", to_dict(spec.selector), f"empty selector is invalid for {kind}"
                )
            )
    errors.extend(_validate_template(spec.template, spec.selector, "spec"))
    return errors


@_validate_kind.register
def _(obj: ReplicaSet) -> list[FieldError]:
    return _validate_workload(obj.spec, "replicaset")


@_validate_kind.register
def _(obj: Deployment) -> list[FieldError]:
    spec = obj.spec
    errors = _validate_workload(spec, "deployment")
    errors += non_negative(spec.revision_history_limit, "spec.revisionHistoryLimit")
    if spec.progress_deadline_seconds is not None:
        errors += non_negative(spec.progress_deadline_seconds, "spec.progressDeadlineSeconds")
        if spec.progress_deadline_seconds <= (spec.min_ready_seconds or 0):
            errors.append(
                FieldError.invalid(
                    "spec.progressDeadlineSeconds",
                    spec.progress_deadline_seconds,
                    "must be greater than minReadySeconds",
                )
            )
    strategy = spec.strategy
    if strategy is not None:
        errors.extend(
            validate_supported(strategy.type, ("Recreate", "RollingUpdate"), "spec.strategy.type")
        )
        ru = strategy.rolling_update
        if strategy.type == "Recreate" and ru is not None:
            errors.append(
                FieldError.forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            )
        if ru is not None:
            rp = "spec.strategy.rollingUpdate"
            for field, value in (
                ("maxUnavailable", ru.max_unavailable),
                ("maxSurge", ru.max_surge),
            ):
                if value is None:
                    continue
                if isinstance(value.value, int):
                    errors.extend(non_negative(value.value, f"{rp}.{field}"))
                else:
                    text = value.value
                    if not text.endswith("%") or not text[:-1].isdigit():
                        errors.append(
                            FieldError.invalid(
                                f"{rp}.{field}",
                                text,
                                "a valid percent string must be a numeric "
                                "string followed by an ending '%' (e.g. '1%',  or '93%', regex "
                                "used for validation is '[0-9]+%')",
                            )
                        )
                    elif int(text[:-1]) > 100 and field == "maxUnavailable":
                        errors.append(
                            FieldError.invalid(
                                f"{rp}.{field}", text, "must not be greater than 100%"
                            )
                        )
            zero = {"0", "0%", 0}
            if (
                ru.max_unavailable is not None
                and ru.max_surge is not None
                and ru.max_unavailable.value in zero
                and ru.max_surge.value in zero
            ):
                errors.append(
                    FieldError.invalid(
                        f"{rp}.maxUnavailable",
                        ru.max_unavailable.value,
                        "may not be 0 when `maxSurge` is 0",
                    )
                )
    return errors


@_validate_kind.register
def _(obj: Service) -> list[FieldError]:
    spec = obj.spec
    errors = validate_supported(spec.type, SERVICE_TYPES, "spec.type")
    service_type = spec.type or "ClusterIP"
    headless = spec.cluster_ip == "None"
    if service_type == "ExternalName":
        if not spec.external_name:
            errors.append(FieldError.required("spec.externalName"))
        else:
            errors.extend(
                FieldError.invalid("spec.externalName", spec.external_name, m)
                for m in is_dns1123_subdomain(spec.external_name.rstrip(".").lower())
            )
    elif not spec.ports and not headless:
        errors.append(FieldError.required("spec.ports"))
    names: set[str] = set()
    for i, port in enumerate(spec.ports):
        pp = f"spec.ports[{i}]"
        if len(spec.ports) > 1 and not port.name:
            errors.append(FieldError.required(f"{pp}.name"))
        elif port.name:
            errors.extend(validate_port_name(port.name, f"{pp}.name"))
            if port.name in names:
                errors.append(FieldError.duplicate(f"{pp}.name", port.name))
            names.add(port.name)
        errors.extend(validate_port_number(port.port, f"{pp}.port"))
        errors.extend(validate_supported(port.protocol, PROTOCOLS, f"{pp}.protocol"))
        errors.extend(validate_int_or_port_name(port.target_port, f"{pp}.targetPort"))
        if port.node_port:
            if service_type not in ("NodePort", "LoadBalancer"):
                errors.append(
                    FieldError.forbidden(
                        f"{pp}.nodePort", f"may not be used when `type` is '{service_type}'"
                    )
                )
            errors.extend(in_range(port.node_port, 1, 65535, f"{pp}.nodePort"))
    errors.extend(validate_labels(spec.selector, "spec.selector"))
    errors.extend(
        validate_supported(spec.session_affinity, ("ClientIP", "None"), "spec.sessionAffinity")
    )
    if spec.cluster_ip not in (None, "", "None"):
        errors.extend(validate_ip(spec.cluster_ip, "spec.clusterIP"))
    for i, ip in enumerate(spec.cluster_ips):
        if ip != "None":
            errors.extend(validate_ip(ip, f"spec.clusterIPs[{i}]"))
    if spec.cluster_ips and spec.cluster_ip and spec.cluster_ips[0] != spec.cluster_ip:
        errors.append(
            FieldError.invalid(
                "spec.clusterIPs", list(spec.cluster_ips), "first value must match `clusterIP`"
            )
        )
    for i, ip in enumerate(spec.external_ips):
        errors.extend(validate_ip(ip, f"spec.externalIPs[{i}]"))
    for field, value in (
        ("externalTrafficPolicy", spec.external_traffic_policy),
        ("internalTrafficPolicy", spec.internal_traffic_policy),
    ):
        errors.extend(validate_supported(value, ("Cluster", "Local"), f"spec.{field}"))
    seen_families: set[str] = set()
    for i, family in enumerate(spec.ip_families):
        fp = f"spec.ipFamilies[{i}]"
        errors.extend(validate_supported(family, ("IPv4", "IPv6"), fp))
        if family in seen_families:
            errors.append(FieldError.duplicate(fp, family))
        seen_families.add(family)
    errors.extend(
        validate_supported(
            spec.ip_family_policy,
            ("SingleStack", "PreferDualStack", "RequireDualStack"),
            "spec.ipFamilyPolicy",
        )
    )
    return errors


@_validate_kind.register
def _(obj: Endpoints) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, subset in enumerate(obj.subsets):
        sp = f"subsets[{i}]"
        for field, addresses in (
            ("addresses", subset.addresses),
            ("notReadyAddresses", subset.not_ready_addresses),
        ):
            for j, address in enumerate(addresses):
                errors.extend(validate_ip(address.ip or "", f"{sp}.{field}[{j}].ip"))
        for j, port in enumerate(subset.ports):
            pp = f"{sp}.ports[{j}]"
            if len(subset.ports) > 1 and not port.name:
                errors.append(FieldError.required(f"{pp}.name"))
            errors.extend(validate_port_number(port.port, f"{pp}.port"))
            errors.extend(validate_supported(port.protocol, PROTOCOLS, f"{pp}.protocol"))
    return errors


@_validate_kind.register
def _(obj: Node) -> list[FieldError]:
    spec = obj.spec
    errors: list[FieldError] = []
    if spec.pod_cidr:
        errors.extend(validate_cidr(spec.pod_cidr, "spec.podCIDR"))
    for i, cidr in enumerate(spec.pod_cidrs):
        errors.extend(validate_cidr(cidr, f"spec.podCIDRs[{i}]"))
    seen: set[tuple[str | None, str | None]] = set()
    for i, taint in enumerate(spec.taints):
        tp = f"spec.taints[{i}]"
        if not taint.key:
            errors.append(FieldError.required(f"{tp}.key"))
        else:
            errors.extend(
                FieldError.invalid(f"{tp}.key", taint.key, m) for m in is_qualified_name(taint.key)
            )
        if not taint.effect:
            errors.append(FieldError.required(f"{tp}.effect"))
        else:
            errors.extend(validate_supported(taint.effect, TAINT_EFFECTS, f"{tp}.effect"))
        if (taint.key, taint.effect) in seen:
            errors.append(FieldError.duplicate(tp, f"{taint.key}:{taint.effect}"))
        seen.add((taint.key, taint.effect))
    return errors


@_validate_kind.register
def _(obj: Lease) -> list[FieldError]:
    spec = obj.spec
    errors: list[FieldError] = []
    if spec.lease_duration_seconds is not None and spec.lease_duration_seconds <= 0:
        errors.append(
            FieldError.invalid(
                "spec.leaseDurationSeconds", spec.lease_duration_seconds, "must be greater than 0"
            )
        )
    errors.extend(non_negative(spec.lease_transitions, "spec.leaseTransitions"))
    return errors


@_validate_kind.register
def _(obj: Event) -> list[FieldError]:
    errors: list[FieldError] = []
    involved = obj.involved_object
    if (
        involved.namespace
        and obj.metadata.namespace
        and involved.namespace != obj.metadata.namespace
    ):
        errors.append(
            FieldError.invalid(
                "involvedObject.namespace", involved.namespace, "does not match event.namespace"
            )
        )
    errors.extend(validate_supported(obj.type, ("Normal", "Warning"), "type"))
    errors.extend(non_negative(obj.count, "count"))
    return errors


def _validate_rules(rules: tuple[PolicyRule, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, rule in enumerate(rules):
        rp = f"rules[{i}]"
        if not rule.verbs:
            errors.append(
                FieldError.required(f"{rp}.verbs", "verbs must contain at least one value")
            )
        if rule.non_resource_urls and (rule.api_groups or rule.resources):
            errors.append(
                FieldError.invalid(
                    f"{rp}.nonResourceURLs",
                    list(rule.non_resource_urls),
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
            )
        elif not rule.non_resource_urls and not rule.resources:
            errors.append(
                FieldError.required(
                    f"{rp}.resources", "resource rules must supply at least one resource"
                )
            )
    return errors


@_validate_kind.register
def _(obj: Role) -> list[FieldError]:
    return _validate_rules(obj.rules)


@_validate_kind.register
def _(obj: ClusterRole) -> list[FieldError]:
    return _validate_rules(obj.rules)


def _validate_binding(
    role_ref: RoleRef, subjects: tuple[Subject, ...], *, kinds: tuple[str, ...], cluster: bool
) -> list[FieldError]:
    errors: list[FieldError] = []
    if role_ref.api_group != RBAC_GROUP:
        errors.append(
            FieldError.not_supported("roleRef.apiGroup", role_ref.api_group or "", (RBAC_GROUP,))
        )
    if not role_ref.kind:
        errors.append(FieldError.required("roleRef.kind"))
    else:
        errors.extend(validate_supported(role_ref.kind, kinds, "roleRef.kind"))
    if not role_ref.name:
        errors.append(FieldError.required("roleRef.name"))
    for i, subject in enumerate(subjects):
        sp = f"subjects[{i}]"
        if not subject.name:
            errors.append(FieldError.required(f"{sp}.name"))
        if subject.kind == "ServiceAccount":
            if subject.api_group:
                errors.append(FieldError.not_supported(f"{sp}.apiGroup", subject.api_group, ("",)))
            if cluster and not subject.namespace:
                errors.append(FieldError.required(f"{sp}.namespace"))
        elif subject.kind in ("User", "Group"):
            if subject.api_group != RBAC_GROUP:
                errors.append(
                    FieldError.not_supported(
                        f"{sp}.apiGroup", subject.api_group or "", (RBAC_GROUP,)
                    )
                )
        else:
            errors.append(
                FieldError.not_supported(
                    f"{sp}.kind", subject.kind or "", ("ServiceAccount", "User", "Group")
                )
            )
    return errors


@_validate_kind.register
def _(obj: RoleBinding) -> list[FieldError]:
    return _validate_binding(
        obj.role_ref, obj.subjects, kinds=("Role", "ClusterRole"), cluster=False
    )


@_validate_kind.register
def _(obj: ClusterRoleBinding) -> list[FieldError]:
    return _validate_binding(obj.role_ref, obj.subjects, kinds=("ClusterRole",), cluster=True)


def _validate_peer(peer: NetworkPolicyPeer, path: str) -> list[FieldError]:
    selectors = peer.pod_selector is not None or peer.namespace_selector is not None
    errors: list[FieldError] = []
    if peer.ip_block is not None:
        if selectors:
            errors.append(
                FieldError.forbidden(path, "may not specify both ipBlock and another peer")
            )
        if not peer.ip_block.cidr:
            errors.append(FieldError.required(f"{path}.ipBlock.cidr"))
        else:
            errors.extend(validate_cidr(peer.ip_block.cidr, f"{path}.ipBlock.cidr"))
        for i, cidr in enumerate(peer.ip_block.except_):
            errors.extend(validate_cidr(cidr, f"{path}.ipBlock.except[{i}]"))
    elif not selectors:
        errors.append(FieldError.required(path, "must specify a peer"))
    errors.extend(validate_selector(peer.pod_selector, f"{path}.podSelector"))
    errors.extend(validate_selector(peer.namespace_selector, f"{path}.namespaceSelector"))
    return errors


@_validate_kind.register
def _(obj: NetworkPolicy) -> list[FieldError]:
    spec = obj.spec
    errors = validate_selector(spec.pod_selector, "spec.podSelector")
    for direction, rules in (("ingress", spec.ingress), ("egress", spec.egress)):
        for i, rule in enumerate(rules):
            rp = f"spec.{direction}[{i}]"
            peers = rule.from_ if direction == "ingress" else rule.to  # type: ignore[union-attr]
            peer_field = "from" if direction == "ingress" else "to"
            for j, peer in enumerate(peers):
                errors.extend(_validate_peer(peer, f"{rp}.{peer_field}[{j}]"))
            for j, port in enumerate(rule.ports):
                pp = f"{rp}.ports[{j}]"
                errors.extend(validate_supported(port.protocol, PROTOCOLS, f"{pp}.protocol"))
                errors.extend(validate_int_or_port_name(port.port, f"{pp}.port"))
                if port.end_port is not None:
                    if port.port is None or not isinstance(port.port.value, int):
                        errors.append(
                            FieldError.required(
                                f"{pp}.port", "must be specified when endPort is specified"
                            )
                        )
                    elif port.end_port < port.port.value:
                        errors.append(
                            FieldError.invalid(
                                f"{pp}.endPort",
                                port.end_port,
                                "must be greater than or equal to `port`",
                            )
                        )
    for i, policy_type in enumerate(spec.policy_types):
        errors.extend(
            validate_supported(policy_type, ("Ingress", "Egress"), f"spec.policyTypes[{i}]")
        )
    return errors


def _validate_data_keys(data: dict[str, str], path: str) -> list[FieldError]:
    return [
        FieldError.invalid(path, key, _CONFIG_KEY_MESSAGE)
        for key in data
        if not _CONFIG_KEY_RE.fullmatch(key) or len(key) > 253
    ]


@_validate_kind.register
def _(obj: ConfigMap) -> list[FieldError]:
    errors = _validate_data_keys(obj.data, "data") + _validate_data_keys(
        obj.binary_data, "binaryData"
    )
    for key in set(obj.data) & set(obj.binary_data):
        errors.append(FieldError.invalid("data", key, "duplicate of key present in binaryData"))
    return errors


@_validate_kind.register
def _(obj: Secret) -> list[FieldError]:
    return _validate_data_keys(obj.data, "data") + _validate_data_keys(
        obj.string_data, "stringData"
    )


# ---------------------------------------------------------------------------------------------
# updates


def _immutable(new: Any, old: Any, path: str, shown: Any = None) -> list[FieldError]:
    if new == old:
        return []
    return [FieldError.invalid(path, new if shown is None else shown, "field is immutable")]


def validate_update(new: KubeObject, old: KubeObject) -> list[FieldError]:
    """Rules for turning ``old`` into ``new`` (immutable fields) plus all `validate` checks."""
    errors = validate(new)
    if type(new) is not type(old):
        return [*errors, FieldError.invalid("kind", new.KIND, f"may not change from {old.KIND}")]
    nm, om = new.metadata, old.metadata
    errors += _immutable(nm.name, om.name, "metadata.name")
    errors += _immutable(nm.namespace, om.namespace, "metadata.namespace")
    if om.uid:
        errors += _immutable(nm.uid, om.uid, "metadata.uid")
    if om.creation_timestamp:
        errors += _immutable(
            nm.creation_timestamp, om.creation_timestamp, "metadata.creationTimestamp"
        )
    if om.deletion_timestamp and nm.deletion_timestamp != om.deletion_timestamp:
        errors.append(
            FieldError.invalid(
                "metadata.deletionTimestamp",
                nm.deletion_timestamp,
                "field is immutable; may only be changed via deletion",
            )
        )
    return errors + _validate_kind_update(new, old)


@functools.singledispatch
def _validate_kind_update(_new: Any, _old: Any) -> list[FieldError]:
    return []  # kinds whose fields are all mutable


_POD_MUTABLE_MESSAGE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


@_validate_kind_update.register
def _(new: Pod, old: Pod) -> list[FieldError]:
    errors: list[FieldError] = []
    ns, os_ = new.spec, old.spec
    if ns.active_deadline_seconds is None and os_.active_deadline_seconds is not None:
        errors.append(
            FieldError.invalid(
                "spec.activeDeadlineSeconds",
                None,
                "must not update from a positive integer to nil value",
            )
        )
    elif (
        os_.active_deadline_seconds is not None
        and ns.active_deadline_seconds is not None
        and ns.active_deadline_seconds > os_.active_deadline_seconds
    ):
        errors.append(
            FieldError.invalid(
                "spec.activeDeadlineSeconds",
                ns.active_deadline_seconds,
                "must be less than or equal to previous value",
            )
        )
    missing = [t for t in os_.tolerations if t not in ns.tolerations]
    # Compare with the mutable fields copied over from old: anything else that differs is forbidden.
    comparable = attrs.evolve(
        ns,
        containers=_with_images(ns.containers, os_.containers),
        init_containers=_with_images(ns.init_containers, os_.init_containers),
        active_deadline_seconds=os_.active_deadline_seconds,
        tolerations=os_.tolerations,
        node_name=ns.node_name if not os_.node_name else os_.node_name,
    )
    if comparable != os_ or missing:
        errors.append(FieldError.forbidden("spec", _POD_MUTABLE_MESSAGE))
    return errors


def _with_images(new: tuple[Any, ...], old: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(new) != len(old):
        return new
    return tuple(attrs.evolve(n, image=o.image) for n, o in zip(new, old, strict=True))


@_validate_kind_update.register
def _(new: ReplicaSet, old: ReplicaSet) -> list[FieldError]:
    return _selector_immutable(new.spec.selector, old.spec.selector)


@_validate_kind_update.register
def _(new: Deployment, old: Deployment) -> list[FieldError]:
    return _selector_immutable(new.spec.selector, old.spec.selector)


def _selector_immutable(new: LabelSelector | None, old: LabelSelector | None) -> list[FieldError]:
    if new == old:
        return []
    shown = to_dict(new) if new is not None else None
    return [FieldError.invalid("spec.selector", shown, "field is immutable")]


@_validate_kind_update.register
def _(new: Service, old: Service) -> list[FieldError]:
    errors: list[FieldError] = []
    old_type, new_type = old.spec.type or "ClusterIP", new.spec.type or "ClusterIP"
    if old.spec.cluster_ip and new_type != "ExternalName" and old_type != "ExternalName":
        if new.spec.cluster_ip != old.spec.cluster_ip:
            errors.append(
                FieldError.invalid(
                    "spec.clusterIP", new.spec.cluster_ip or "", "field is immutable"
                )
            )
        if (
            new.spec.cluster_ips
            and old.spec.cluster_ips
            and new.spec.cluster_ips[0] != old.spec.cluster_ips[0]
        ):
            errors.append(
                FieldError.invalid(
                    "spec.clusterIPs[0]", new.spec.cluster_ips[0], "may not change once set"
                )
            )
    return errors


@_validate_kind_update.register
def _(new: Node, old: Node) -> list[FieldError]:
    if old.spec.pod_cidr and new.spec.pod_cidr != old.spec.pod_cidr:
        return [
            FieldError.forbidden(
                "spec.podCIDR", 'node updates may not change podCIDR except from "" to valid'
            )
        ]
    return []


@_validate_kind_update.register
def _(new: RoleBinding, old: RoleBinding) -> list[FieldError]:
    return _role_ref_immutable(new.role_ref, old.role_ref)


@_validate_kind_update.register
def _(new: ClusterRoleBinding, old: ClusterRoleBinding) -> list[FieldError]:
    return _role_ref_immutable(new.role_ref, old.role_ref)


def _role_ref_immutable(new: RoleRef, old: RoleRef) -> list[FieldError]:
    if new == old:
        return []
    return [FieldError.invalid("roleRef", to_dict(new), "cannot change roleRef")]


@_validate_kind_update.register
def _(new: ConfigMap, old: ConfigMap) -> list[FieldError]:
    if old.immutable and (new.data != old.data or new.binary_data != old.binary_data):
        return [FieldError.forbidden("data", "field is immutable when `immutable` is set")]
    return []


@_validate_kind_update.register
def _(new: Secret, old: Secret) -> list[FieldError]:
    errors: list[FieldError] = []
    if old.immutable and new.data != old.data:
        errors.append(FieldError.forbidden("data", "field is immutable when `immutable` is set"))
    if (old.type or "Opaque") != (new.type or "Opaque"):
        errors.append(FieldError.invalid("type", new.type or "", "field is immutable"))
    return errors
