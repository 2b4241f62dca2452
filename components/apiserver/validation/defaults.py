"""Defaulting: fill in what the API server fills in before storing an object.

`apply_defaults` returns a defaulted copy (objects are immutable). Values follow Kubernetes'
``SetDefaults_*`` functions for core/v1 and apps/v1.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

import attrs

from kernel.objects import (
    Container,
    Deployment,
    DeploymentSpec,
    DeploymentStrategy,
    IntOrString,
    KubeObject,
    Namespace,
    NamespaceSpec,
    Node,
    Pod,
    PodSecurityContext,
    PodSpec,
    PodTemplateSpec,
    Probe,
    ReplicaSet,
    ReplicaSetSpec,
    ResourceRequirements,
    RollingUpdateDeployment,
    Service,
    ServicePort,
    ServiceSpec,
)

__all__ = ["apply_defaults", "default_image_pull_policy"]

ObjT = TypeVar("ObjT", bound=KubeObject)


def default_image_pull_policy(image: str | None) -> str:
    """``Always`` for ``:latest`` or untagged images (digests excepted), else ``IfNotPresent``."""
    if not image:
        return "IfNotPresent"
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def _probe(probe: Probe | None) -> Probe | None:
    if probe is None:
        return None
    return attrs.evolve(
        probe,
        timeout_seconds=probe.timeout_seconds or 1,
        period_seconds=probe.period_seconds or 10,
        success_threshold=probe.success_threshold or 1,
        failure_threshold=probe.failure_threshold or 3,
        http_get=(
            attrs.evolve(
                probe.http_get,
                path=probe.http_get.path or "/",
                scheme=probe.http_get.scheme or "HTTP",
            )
            if probe.http_get is not None
            else None
        ),
    )


def _container(c: Container) -> Container:
    ports = tuple(p if p.protocol else attrs.evolve(p, protocol="TCP") for p in c.ports)
    resources = c.resources
    if resources is not None and resources.limits:
        # requests default to limits for resources that only have a limit
        requests = {**resources.limits, **resources.requests}
        if requests != resources.requests:
            resources = attrs.evolve(resources, requests=requests)
    return attrs.evolve(
        c,
        ports=ports,
        resources=resources if resources is not None else ResourceRequirements(),
        image_pull_policy=c.image_pull_policy or default_image_pull_policy(c.image),
        termination_message_path=c.termination_message_path or "/dev/termination-log",
        termination_message_policy=c.termination_message_policy or "File",
        liveness_probe=_probe(c.liveness_probe),
        readiness_probe=_probe(c.readiness_probe),
        startup_probe=_probe(c.startup_probe),
    )


def _pod_spec(spec: PodSpec) -> PodSpec:
    sa = spec.service_account_name or spec.service_account
    return attrs.evolve(
        spec,
        containers=tuple(_container(c) for c in spec.containers),
        init_containers=tuple(_container(c) for c in spec.init_containers),
        restart_policy=spec.restart_policy or "Always",
        termination_grace_period_seconds=(
            30
            if spec.termination_grace_period_seconds is None
            else spec.termination_grace_period_seconds
        ),
        dns_policy=spec.dns_policy or "ClusterFirst",
        scheduler_name=spec.scheduler_name or "default-scheduler",
        enable_service_links=True
        if spec.enable_service_links is None
        else spec.enable_service_links,
        security_context=(
            spec.security_context if spec.security_context is not None else PodSecurityContext()
        ),
        service_account_name=sa,
        service_account=sa,
    )


def _template(template: PodTemplateSpec | None) -> PodTemplateSpec | None:
    if template is None:
        return None
    return attrs.evolve(template, spec=_pod_spec(template.spec))


def _rs_spec(spec: ReplicaSetSpec) -> ReplicaSetSpec:
    return attrs.evolve(
        spec,
        replicas=1 if spec.replicas is None else spec.replicas,
        template=_template(spec.template),
    )


def _deployment_spec(spec: DeploymentSpec) -> DeploymentSpec:
    strategy = spec.strategy or DeploymentStrategy()
    if not strategy.type:
        strategy = attrs.evolve(strategy, type="RollingUpdate")
    if strategy.type == "RollingUpdate":
        ru = strategy.rolling_update or RollingUpdateDeployment()
        strategy = attrs.evolve(
            strategy,
            rolling_update=attrs.evolve(
                ru,
                max_unavailable=ru.max_unavailable or IntOrString("25%"),
                max_surge=ru.max_surge or IntOrString("25%"),
            ),
        )
    return attrs.evolve(
        spec,
        replicas=1 if spec.replicas is None else spec.replicas,
        strategy=strategy,
        revision_history_limit=10
        if spec.revision_history_limit is None
        else spec.revision_history_limit,
        progress_deadline_seconds=600
        if spec.progress_deadline_seconds is None
        else spec.progress_deadline_seconds,
        template=_template(spec.template),
    )


def _service_port(port: ServicePort) -> ServicePort:
    target = port.target_port
    if target is None or target == IntOrString(0) or target == IntOrString(""):
        target = IntOrString(port.port) if port.port is not None else None
    return attrs.evolve(port, protocol=port.protocol or "TCP", target_port=target)


def _service_spec(spec: ServiceSpec) -> ServiceSpec:
    service_type = spec.type or "ClusterIP"
    updates: dict[str, Any] = {
        "type": service_type,
        "session_affinity": spec.session_affinity or "None",
        "ports": tuple(_service_port(p) for p in spec.ports),
    }
    if service_type != "ExternalName":
        updates["internal_traffic_policy"] = spec.internal_traffic_policy or "Cluster"
    if service_type in ("NodePort", "LoadBalancer"):
        updates["external_traffic_policy"] = spec.external_traffic_policy or "Cluster"
    if service_type == "LoadBalancer" and spec.allocate_load_balancer_node_ports is None:
        updates["allocate_load_balancer_node_ports"] = True
    if spec.session_affinity == "ClientIP" and spec.session_affinity_config is None:
        from kernel.objects import ClientIPConfig, SessionAffinityConfig

        updates["session_affinity_config"] = SessionAffinityConfig(
            client_ip=ClientIPConfig(timeout_seconds=10800)
        )
    return attrs.evolve(spec, **updates)


@functools.singledispatch
def _defaults(obj: Any) -> Any:
    return obj


@_defaults.register
def _(obj: Pod) -> Pod:
    return attrs.evolve(obj, spec=_pod_spec(obj.spec))


@_defaults.register
def _(obj: ReplicaSet) -> ReplicaSet:
    return attrs.evolve(obj, spec=_rs_spec(obj.spec))


@_defaults.register
def _(obj: Deployment) -> Deployment:
    return attrs.evolve(obj, spec=_deployment_spec(obj.spec))


@_defaults.register
def _(obj: Service) -> Service:
    return attrs.evolve(obj, spec=_service_spec(obj.spec))


@_defaults.register
def _(obj: Namespace) -> Namespace:
    spec = obj.spec if obj.spec.finalizers else NamespaceSpec(finalizers=("kubernetes",))
    status = obj.status if obj.status.phase else attrs.evolve(obj.status, phase="Active")
    return attrs.evolve(obj, spec=spec, status=status)


@_defaults.register
def _(obj: Node) -> Node:
    status = obj.status
    if not status.allocatable and status.capacity:
        status = attrs.evolve(status, allocatable=dict(status.capacity))
    return attrs.evolve(obj, status=status)


def apply_defaults(obj: ObjT) -> ObjT:
    """A copy of ``obj`` with Kubernetes' defaults filled in (restartPolicy, protocol, ...)."""
    return _defaults(obj)
