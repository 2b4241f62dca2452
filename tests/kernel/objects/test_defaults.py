"""Defaulting fills in what Kubernetes' API server fills in."""

from __future__ import annotations

import pytest

import components.apiserver.validation as kv
import kernel.objects as ko


def load_one(text: str) -> ko.KubeObject:
    (obj,) = ko.load_manifests(text)
    return obj


def test_pod_defaults() -> None:
    pod = kv.apply_defaults(
        load_one("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  serviceAccount: builder
  containers:
  - name: web
    image: nginx
    ports: [{containerPort: 80}]
    livenessProbe: {httpGet: {port: 80}}
    resources: {limits: {cpu: "1"}}
""")
    )
    spec = pod.spec
    assert spec.restart_policy == "Always"
    assert spec.termination_grace_period_seconds == 30
    assert spec.dns_policy == "ClusterFirst"
    assert spec.scheduler_name == "default-scheduler"
    assert spec.enable_service_links is True
    assert spec.security_context == ko.PodSecurityContext()
    assert spec.service_account_name == spec.service_account == "builder"
    (c,) = spec.containers
    assert c.ports[0].protocol == "TCP"
    assert c.image_pull_policy == "Always"
    assert c.termination_message_path == "/dev/termination-log"
    assert c.termination_message_policy == "File"
    assert c.resources.requests == {"cpu": ko.Quantity.parse("1")}
    probe = c.liveness_probe
    assert (probe.timeout_seconds, probe.period_seconds) == (1, 10)
    assert (probe.success_threshold, probe.failure_threshold) == (1, 3)
    assert (probe.http_get.path, probe.http_get.scheme) == ("/", "HTTP")


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("registry.local:5000/app", "Always"),
        ("registry.local:5000/app:v2", "IfNotPresent"),
        ("app@sha256:abcd", "IfNotPresent"),
    ],
)
def test_image_pull_policy_follows_the_tag(image: str, policy: str) -> None:
    assert kv.default_image_pull_policy(image) == policy


def test_explicit_values_are_kept() -> None:
    spec = ko.PodSpec(
        restart_policy="Never",
        termination_grace_period_seconds=0,
        enable_service_links=False,
        containers=(ko.Container(name="a", image="x:latest", image_pull_policy="Never"),),
    )
    out = kv.apply_defaults(ko.Pod(spec=spec)).spec
    assert out.restart_policy == "Never"
    assert out.termination_grace_period_seconds == 0
    assert out.enable_service_links is False
    assert out.containers[0].image_pull_policy == "Never"


def test_defaulting_is_idempotent_and_returns_a_copy() -> None:
    pod = ko.Pod(spec=ko.PodSpec(containers=(ko.Container(name="a", image="x"),)))
    once = kv.apply_defaults(pod)
    assert kv.apply_defaults(once) == once
    assert pod.spec.restart_policy is None


def test_service_defaults() -> None:
    svc = kv.apply_defaults(
        load_one("""
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}, {port: 443, targetPort: https, protocol: TCP}]
""")
    )
    assert svc.spec.type == "ClusterIP"
    assert svc.spec.session_affinity == "None"
    assert svc.spec.internal_traffic_policy == "Cluster"
    assert svc.spec.external_traffic_policy is None
    assert [(p.protocol, p.target_port) for p in svc.spec.ports] == [
        ("TCP", ko.IntOrString(80)),
        ("TCP", ko.IntOrString("https")),
    ]
    node_port = kv.apply_defaults(ko.Service(spec=ko.ServiceSpec(type="NodePort")))
    assert node_port.spec.external_traffic_policy == "Cluster"
    sticky = kv.apply_defaults(ko.Service(spec=ko.ServiceSpec(session_affinity="ClientIP")))
    assert sticky.spec.session_affinity_config.client_ip.timeout_seconds == 10800


def test_deployment_and_replicaset_defaults() -> None:
    template = ko.PodTemplateSpec(
        spec=ko.PodSpec(containers=(ko.Container(name="a", image="x:1"),))
    )
    deploy = kv.apply_defaults(ko.Deployment(spec=ko.DeploymentSpec(template=template)))
    spec = deploy.spec
    assert spec.replicas == 1
    assert spec.strategy.type == "RollingUpdate"
    assert spec.strategy.rolling_update.max_surge == ko.IntOrString("25%")
    assert spec.strategy.rolling_update.max_unavailable == ko.IntOrString("25%")
    assert spec.revision_history_limit == 10
    assert spec.progress_deadline_seconds == 600
    assert spec.template.spec.restart_policy == "Always"
    assert spec.template.spec.containers[0].image_pull_policy == "IfNotPresent"
    recreate = kv.apply_defaults(
        ko.Deployment(spec=ko.DeploymentSpec(strategy=ko.DeploymentStrategy(type="Recreate")))
    )
    assert recreate.spec.strategy.rolling_update is None
    rs = kv.apply_defaults(ko.ReplicaSet(spec=ko.ReplicaSetSpec(replicas=0)))
    assert rs.spec.replicas == 0
    assert kv.apply_defaults(ko.ReplicaSet()).spec.replicas == 1


def test_namespace_and_node_defaults() -> None:
    ns = kv.apply_defaults(ko.Namespace(metadata=ko.ObjectMeta(name="team")))
    assert ns.spec.finalizers == ("kubernetes",)
    assert ns.status.phase == "Active"
    node = kv.apply_defaults(ko.Node(status=ko.NodeStatus(capacity={"cpu": "4"})))
    assert node.status.allocatable == {"cpu": ko.Quantity.parse("4")}


def test_kinds_without_defaults_are_returned_unchanged() -> None:
    lease = ko.Lease(spec=ko.LeaseSpec(holder_identity="a"))
    assert kv.apply_defaults(lease) is lease
