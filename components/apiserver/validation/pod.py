"""Pod spec validation: containers, volumes, probes and scheduling fields, as Kubernetes does."""

from __future__ import annotations

from collections.abc import Iterable

from kernel.objects import (
    Affinity,
    Container,
    FieldError,
    PodAffinityTerm,
    PodSpec,
    Probe,
    Toleration,
    TopologySpreadConstraint,
    Volume,
    is_dns1123_label,
    is_dns1123_subdomain,
)

from .common import (
    in_range,
    non_negative,
    validate_int_or_port_name,
    validate_ip,
    validate_labels,
    validate_port_name,
    validate_port_number,
    validate_resource_list,
    validate_selector,
    validate_supported,
)

__all__ = ["validate_pod_spec"]

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("TCP", "UDP", "SCTP")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _validate_volumes(volumes: Iterable[Volume], path: str) -> tuple[list[FieldError], set[str]]:
    errors: list[FieldError] = []
    names: set[str] = set()
    for i, volume in enumerate(volumes):
        vp = f"{path}[{i}]"
        if not volume.name:
            errors.append(FieldError.required(f"{vp}.name"))
        else:
            errors.extend(
                FieldError.invalid(f"{vp}.name", volume.name, msg)
                for msg in is_dns1123_label(volume.name)
            )
            if volume.name in names:
                errors.append(FieldError.duplicate(f"{vp}.name", volume.name))
            names.add(volume.name)
        sources = volume.source_names()
        if not sources:
            errors.append(FieldError.required(vp, "must specify a volume type"))
        elif len(sources) > 1:
            errors.append(
                FieldError.forbidden(
                    f"{vp}.{sources[1]}", "may not specify more than 1 volume type"
                )
            )
        if volume.host_path is not None and not volume.host_path.path:
            errors.append(FieldError.required(f"{vp}.hostPath.path"))
        if (
            volume.persistent_volume_claim is not None
            and not volume.persistent_volume_claim.claim_name
        ):
            errors.append(FieldError.required(f"{vp}.persistentVolumeClaim.claimName"))
        if volume.empty_dir is not None and volume.empty_dir.medium not in (
            None,
            "",
            "Memory",
            "HugePages",
        ):
            errors.append(
                FieldError.not_supported(
                    f"{vp}.emptyDir.medium", volume.empty_dir.medium, ("", "Memory", "HugePages")
                )
            )
    return errors, names


def _validate_probe(probe: Probe | None, path: str, *, liveness_like: bool) -> list[FieldError]:
    if probe is None:
        return []
    errors: list[FieldError] = []
    handlers = [
        name
        for name, value in (
            ("exec", probe.exec),
            ("httpGet", probe.http_get),
            ("tcpSocket", probe.tcp_socket),
            ("grpc", probe.grpc),
        )
        if value is not None
    ]
    if not handlers:
        errors.append(FieldError.required(path, "must specify a handler type"))
    elif len(handlers) > 1:
        errors.append(
            FieldError.forbidden(
                f"{path}.{handlers[1]}", "may not specify more than 1 handler type"
            )
        )
    for field, value in (
        ("initialDelaySeconds", probe.initial_delay_seconds),
        ("timeoutSeconds", probe.timeout_seconds),
        ("periodSeconds", probe.period_seconds),
        ("successThreshold", probe.success_threshold),
        ("failureThreshold", probe.failure_threshold),
    ):
        errors.extend(non_negative(value, f"{path}.{field}"))
    if liveness_like and probe.success_threshold not in (None, 1):
        errors.append(
            FieldError.invalid(f"{path}.successThreshold", probe.success_threshold, "must be 1")
        )
    if probe.http_get is not None:
        port = probe.http_get.port
        if port is None:
            errors.append(FieldError.required(f"{path}.httpGet.port"))
        errors.extend(validate_int_or_port_name(port, f"{path}.httpGet.port"))
        errors.extend(
            validate_supported(probe.http_get.scheme, ("HTTP", "HTTPS"), f"{path}.httpGet.scheme")
        )
    if probe.tcp_socket is not None:
        if probe.tcp_socket.port is None:
            errors.append(FieldError.required(f"{path}.tcpSocket.port"))
        errors.extend(validate_int_or_port_name(probe.tcp_socket.port, f"{path}.tcpSocket.port"))
    if probe.exec is not None and not probe.exec.command:
        errors.append(FieldError.required(f"{path}.exec.command"))
    return errors


def _validate_container(
    c: Container, path: str, volumes: set[str], *, init: bool
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not c.name:
        errors.append(FieldError.required(f"{path}.name"))
    else:
        errors.extend(
            FieldError.invalid(f"{path}.name", c.name, m) for m in is_dns1123_label(c.name)
        )
    if not c.image or not c.image.strip():
        errors.append(FieldError.required(f"{path}.image"))
    elif c.image != c.image.strip():
        errors.append(
            FieldError.invalid(
                f"{path}.image", c.image, "must not have leading or trailing whitespace"
            )
        )
    port_names: set[str] = set()
    for i, port in enumerate(c.ports):
        pp = f"{path}.ports[{i}]"
        if port.name:
            errors.extend(validate_port_name(port.name, f"{pp}.name"))
            if port.name in port_names:
                errors.append(FieldError.duplicate(f"{pp}.name", port.name))
            port_names.add(port.name)
        errors.extend(validate_port_number(port.container_port, f"{pp}.containerPort"))
        errors.extend(validate_port_number(port.host_port, f"{pp}.hostPort", required=False))
        errors.extend(validate_supported(port.protocol, PROTOCOLS, f"{pp}.protocol"))
        if port.host_ip:
            errors.extend(validate_ip(port.host_ip, f"{pp}.hostIP"))
    for i, env in enumerate(c.env):
        ep = f"{path}.env[{i}]"
        if not env.name:
            errors.append(FieldError.required(f"{ep}.name"))
        elif "=" in env.name:
            errors.append(
                FieldError.invalid(
                    f"{ep}.name",
                    env.name,
                    "a valid environment variable name must consist only of printable ASCII "
                    "characters other than '='",
                )
            )
        if env.value_from is not None:
            sources = [
                s
                for s in (
                    env.value_from.field_ref,
                    env.value_from.resource_field_ref,
                    env.value_from.config_map_key_ref,
                    env.value_from.secret_key_ref,
                )
                if s is not None
            ]
            if env.value:
                errors.append(
                    FieldError.invalid(
                        f"{ep}.valueFrom", "", "may not be specified when `value` is not empty"
                    )
                )
            if not sources:
                errors.append(
                    FieldError.invalid(
                        f"{ep}.valueFrom",
                        "",
                        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                        "or `secretKeyRef`",
                    )
                )
            elif len(sources) > 1:
                errors.append(
                    FieldError.invalid(
                        f"{ep}.valueFrom",
                        "",
                        "may not have more than one field specified at a time",
                    )
                )
    for i, mount in enumerate(c.volume_mounts):
        mp = f"{path}.volumeMounts[{i}]"
        if not mount.name:
            errors.append(FieldError.required(f"{mp}.name"))
        elif mount.name not in volumes:
            errors.append(FieldError.not_found(f"{mp}.name", mount.name))
        if not mount.mount_path:
            errors.append(FieldError.required(f"{mp}.mountPath"))
    if c.resources is not None:
        rp = f"{path}.resources"
        errors.extend(validate_resource_list(c.resources.limits, f"{rp}.limits"))
        errors.extend(validate_resource_list(c.resources.requests, f"{rp}.requests"))
        for name, request in c.resources.requests.items():
            limit = c.resources.limits.get(name)
            if limit is not None and request > limit:
                errors.append(
                    FieldError.invalid(
                        f"{rp}.requests",
                        str(request),
                        f"must be less than or equal to {name} limit of {limit}",
                    )
                )
    errors.extend(validate_supported(c.image_pull_policy, PULL_POLICIES, f"{path}.imagePullPolicy"))
    errors.extend(
        validate_supported(
            c.termination_message_policy,
            ("File", "FallbackToLogsOnError"),
            f"{path}.terminationMessagePolicy",
        )
    )
    if init:
        errors.extend(validate_supported(c.restart_policy, ("Always",), f"{path}.restartPolicy"))
        sidecar = c.restart_policy == "Always"
        for field, probe in (
            ("livenessProbe", c.liveness_probe),
            ("readinessProbe", c.readiness_probe),
            ("startupProbe", c.startup_probe),
        ):
            if probe is not None and not sidecar:
                errors.append(
                    FieldError.forbidden(
                        f"{path}.{field}",
                        "may not be set for init containers without restartPolicy=Always",
                    )
                )
    elif c.restart_policy is not None:
        errors.append(
            FieldError.forbidden(f"{path}.restartPolicy", "may not be set for non-init containers")
        )
    errors.extend(_validate_probe(c.liveness_probe, f"{path}.livenessProbe", liveness_like=True))
    errors.extend(_validate_probe(c.readiness_probe, f"{path}.readinessProbe", liveness_like=False))
    errors.extend(_validate_probe(c.startup_probe, f"{path}.startupProbe", liveness_like=True))
    return errors


def _validate_toleration(t: Toleration, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if t.key:
        from kernel.objects import is_qualified_name

        errors.extend(FieldError.invalid(f"{path}.key", t.key, m) for m in is_qualified_name(t.key))
    elif t.operator != "Exists":
        errors.append(
            FieldError.invalid(
                f"{path}.operator",
                t.operator or "",
                "operator must be Exists when `key` is empty, which means "
                '"match all values and all keys"',
            )
        )
    if t.toleration_seconds is not None and t.effect != "NoExecute":
        errors.append(
            FieldError.invalid(
                f"{path}.effect",
                t.effect or "",
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            )
        )
    if t.operator in (None, "", "Equal"):
        from kernel.objects import is_valid_label_value

        errors.extend(
            FieldError.invalid(f"{path}.operator", t.value or "", m)
            for m in is_valid_label_value(t.value or "")
        )
    elif t.operator == "Exists":
        if t.value:
            errors.append(
                FieldError.invalid(
                    f"{path}.operator", t.value, "value must be empty when `operator` is 'Exists'"
                )
            )
    else:
        errors.append(FieldError.not_supported(f"{path}.operator", t.operator, ("Equal", "Exists")))
    if t.effect:
        errors.extend(validate_supported(t.effect, TAINT_EFFECTS, f"{path}.effect"))
    return errors


def _validate_pod_affinity_term(term: PodAffinityTerm, path: str) -> list[FieldError]:
    errors = validate_selector(term.label_selector, f"{path}.labelSelector")
    errors += validate_selector(term.namespace_selector, f"{path}.namespaceSelector")
    if not term.topology_key:
        errors.append(FieldError.required(f"{path}.topologyKey", "can not be empty"))
    return errors


def _validate_affinity(affinity: Affinity | None, path: str) -> list[FieldError]:
    if affinity is None:
        return []
    errors: list[FieldError] = []
    node = affinity.node_affinity
    if node is not None:
        required = node.required_during_scheduling_ignored_during_execution
        rp = f"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
        if required is not None and not required.node_selector_terms:
            errors.append(
                FieldError.required(
                    f"{rp}.nodeSelectorTerms", "must have at least one node selector term"
                )
            )
        for i, term in enumerate(node.preferred_during_scheduling_ignored_during_execution):
            errors.extend(
                in_range(
                    term.weight,
                    1,
                    100,
                    f"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].weight",
                )
            )
    for name, block in (
        ("podAffinity", affinity.pod_affinity),
        ("podAntiAffinity", affinity.pod_anti_affinity),
    ):
        if block is None:
            continue
        bp = f"{path}.{name}"
        for i, term in enumerate(block.required_during_scheduling_ignored_during_execution):
            errors.extend(
                _validate_pod_affinity_term(
                    term, f"{bp}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"
                )
            )
        for i, weighted in enumerate(block.preferred_during_scheduling_ignored_during_execution):
            wp = f"{bp}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            errors.extend(in_range(weighted.weight, 1, 100, f"{wp}.weight"))
            if weighted.pod_affinity_term is not None:
                errors.extend(
                    _validate_pod_affinity_term(weighted.pod_affinity_term, f"{wp}.podAffinityTerm")
                )
    return errors


def _validate_spread(c: TopologySpreadConstraint, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if c.max_skew is None or c.max_skew <= 0:
        errors.append(
            FieldError.invalid(f"{path}.maxSkew", c.max_skew or 0, "must be greater than zero")
        )
    if not c.topology_key:
        errors.append(FieldError.required(f"{path}.topologyKey", "can not be empty"))
    if not c.when_unsatisfiable:
        errors.append(FieldError.required(f"{path}.whenUnsatisfiable"))
    errors.extend(
        validate_supported(
            c.when_unsatisfiable, ("DoNotSchedule", "ScheduleAnyway"), f"{path}.whenUnsatisfiable"
        )
    )
    if c.min_domains is not None and c.min_domains <= 0:
        errors.append(
            FieldError.invalid(f"{path}.minDomains", c.min_domains, "must be greater than 0")
        )
    errors.extend(validate_selector(c.label_selector, f"{path}.labelSelector"))
    return errors


def validate_pod_spec(
    spec: PodSpec, path: str = "spec", *, restart_policies: tuple[str, ...] = RESTART_POLICIES
) -> list[FieldError]:
    """Every rule a pod spec breaks (fields still unset are treated as 'will be defaulted')."""
    errors, volumes = _validate_volumes(spec.volumes, f"{path}.volumes")
    if not spec.containers:
        errors.append(FieldError.required(f"{path}.containers"))
    names: set[str] = set()
    for field, containers, init in (
        ("initContainers", spec.init_containers, True),
        ("containers", spec.containers, False),
    ):
        for i, c in enumerate(containers):
            cp = f"{path}.{field}[{i}]"
            errors.extend(_validate_container(c, cp, volumes, init=init))
            if c.name:
                if c.name in names:
                    errors.append(FieldError.duplicate(f"{cp}.name", c.name))
                names.add(c.name)
    if spec.restart_policy is not None and spec.restart_policy not in restart_policies:
        errors.append(
            FieldError.not_supported(f"{path}.restartPolicy", spec.restart_policy, restart_policies)
        )
    errors.extend(validate_supported(spec.dns_policy, DNS_POLICIES, f"{path}.dnsPolicy"))
    if spec.dns_policy == "None" and spec.dns_config is None:
        errors.append(
            FieldError.required(
                f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"
            )
        )
    if spec.dns_config is not None:
        if len(spec.dns_config.nameservers) > 3:
            errors.append(
                FieldError.invalid(
                    f"{path}.dnsConfig.nameservers",
                    list(spec.dns_config.nameservers),
                    "must not have more than 3 nameservers",
                )
            )
        for i, server in enumerate(spec.dns_config.nameservers):
            errors.extend(validate_ip(server, f"{path}.dnsConfig.nameservers[{i}]"))
        if spec.dns_policy == "None" and not spec.dns_config.nameservers:
            errors.append(
                FieldError.required(
                    f"{path}.dnsConfig.nameservers",
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )
            )
    errors.extend(
        non_negative(spec.termination_grace_period_seconds, f"{path}.terminationGracePeriodSeconds")
    )
    errors.extend(
        in_range(spec.active_deadline_seconds, 1, 2**31 - 1, f"{path}.activeDeadlineSeconds")
    )
    errors.extend(validate_labels(spec.node_selector, f"{path}.nodeSelector"))
    for field, value in (
        ("nodeName", spec.node_name),
        ("serviceAccountName", spec.service_account_name),
        ("priorityClassName", spec.priority_class_name),
    ):
        if value:
            errors.extend(
                FieldError.invalid(f"{path}.{field}", value, m) for m in is_dns1123_subdomain(value)
            )
    for field, value in (("hostname", spec.hostname), ("subdomain", spec.subdomain)):
        if value:
            errors.extend(
                FieldError.invalid(f"{path}.{field}", value, m) for m in is_dns1123_label(value)
            )
    for i, t in enumerate(spec.tolerations):
        errors.extend(_validate_toleration(t, f"{path}.tolerations[{i}]"))
    errors.extend(_validate_affinity(spec.affinity, f"{path}.affinity"))
    for i, c in enumerate(spec.topology_spread_constraints):
        errors.extend(_validate_spread(c, f"{path}.topologySpreadConstraints[{i}]"))
    errors.extend(
        validate_supported(
            spec.preemption_policy, ("Never", "PreemptLowerPriority"), f"{path}.preemptionPolicy"
        )
    )
    errors.extend(validate_resource_list(spec.overhead, f"{path}.overhead"))
    for i, alias in enumerate(spec.host_aliases):
        errors.extend(validate_ip(alias.ip or "", f"{path}.hostAliases[{i}].ip"))
    for i, gate in enumerate(spec.readiness_gates):
        if not gate.condition_type:
            errors.append(FieldError.required(f"{path}.readinessGates[{i}].conditionType"))
    if spec.scheduler_name is not None:
        errors.extend(
            FieldError.invalid(f"{path}.schedulerName", spec.scheduler_name, m)
            for m in is_dns1123_subdomain(spec.scheduler_name)
        )
    return errors
