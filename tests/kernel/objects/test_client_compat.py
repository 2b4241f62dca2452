"""Compatibility with the official ``kubernetes`` Python client's models and JSON.

Every field of every served kind in the client's models (recursively) must exist in kubelab's
schema with the same wire name, and the client's JSON (None fields omitted) must round-trip.
A failure after upgrading the client means Kubernetes added a field: add it to the class named.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Union

import attrs
import pytest

import kernel.objects as ko
from kernel.objects._schema import wire_fields

kc = pytest.importorskip("kubernetes.client")

CLIENT_MODELS = {
    "Event": "CoreV1Event",
}


def _struct(tp: Any) -> type | None:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return None
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _struct(args[0]) if len(args) == 1 else None
    if origin in (tuple, dict):
        return _struct(typing.get_args(tp)[-1])
    return tp if isinstance(tp, type) and attrs.has(tp) else None


def _client_inner(name: str) -> str:
    m = re.fullmatch(r"(?:[lL]ist\[(.*)\]|[dD]ict\[str, (.*)\]|dict\(str, (.*)\))", name)
    return _client_inner(next(g for g in m.groups() if g)) if m else name


def _mismatches(ours: type, model_name: str, path: str, seen: set[Any]) -> list[str]:
    if (ours, model_name) in seen:
        return []
    seen.add((ours, model_name))
    model = getattr(kc, model_name)
    hints = typing.get_type_hints(ours, include_extras=True)
    ours_by_wire = {wire: attr for attr, wire in wire_fields(ours).items()}
    problems = []
    for attr, wire in model.attribute_map.items():
        if wire in ("apiVersion", "kind") and getattr(ours, "KIND", ""):
            continue
        if wire not in ours_by_wire:
            problems.append(f"{path}.{wire}: missing from {ours.__name__}")
            continue
        inner = _client_inner(model.openapi_types[attr])
        sub = _struct(hints[ours_by_wire[wire]])
        if sub is not None and hasattr(kc, inner):
            problems += _mismatches(sub, inner, f"{path}.{wire}", seen)
    problems += [
        f"{path}.{wire}: not a field of the client's {model_name}"
        for wire in ours_by_wire
        if wire not in model.attribute_map.values()
    ]
    return problems


@pytest.mark.parametrize("info", ko.RESOURCES, ids=lambda i: i.kind)
def test_schema_matches_the_official_client_models(info: ko.ResourceInfo) -> None:
    model = CLIENT_MODELS.get(info.kind, f"V1{info.kind}")
    assert _mismatches(info.cls, model, info.kind, set()) == []


def _sanitize(model: Any) -> dict[str, Any]:
    return kc.ApiClient().sanitize_for_serialization(model)


def test_client_pod_json_round_trips() -> None:
    container = kc.V1Container(
        name="app",
        image="registry.local/app:2.1",
        command=["/app"],
        args=["--port", "8080"],
        working_dir="/srv",
        image_pull_policy="IfNotPresent",
        stdin=True,
        tty=False,
        ports=[kc.V1ContainerPort(container_port=8080, name="http", protocol="TCP")],
        env=[
            kc.V1EnvVar(name="MODE", value="prod"),
            kc.V1EnvVar(
                name="POD_IP",
                value_from=kc.V1EnvVarSource(
                    field_ref=kc.V1ObjectFieldSelector(field_path="status.podIP")
                ),
            ),
        ],
        env_from=[kc.V1EnvFromSource(config_map_ref=kc.V1ConfigMapEnvSource(name="cfg"))],
        resources=kc.V1ResourceRequirements(
            requests={"cpu": "250m", "memory": "64Mi"}, limits={"cpu": "1", "memory": "128Mi"}
        ),
        volume_mounts=[kc.V1VolumeMount(name="data", mount_path="/data", read_only=True)],
        liveness_probe=kc.V1Probe(
            http_get=kc.V1HTTPGetAction(path="/healthz", port="http"),
            initial_delay_seconds=3,
            period_seconds=5,
        ),
        readiness_probe=kc.V1Probe(tcp_socket=kc.V1TCPSocketAction(port=8080)),
        startup_probe=kc.V1Probe(_exec=kc.V1ExecAction(command=["cat", "/ready"])),
        lifecycle=kc.V1Lifecycle(
            pre_stop=kc.V1LifecycleHandler(_exec=kc.V1ExecAction(command=["sleep", "5"]))
        ),
        security_context=kc.V1SecurityContext(
            run_as_non_root=True, capabilities=kc.V1Capabilities(drop=["ALL"])
        ),
        termination_message_path="/dev/termination-log",
        termination_message_policy="File",
    )
    spec = kc.V1PodSpec(
        containers=[container],
        init_containers=[kc.V1Container(name="init", image="busybox", command=["true"])],
        volumes=[
            kc.V1Volume(
                name="data",
                persistent_volume_claim=kc.V1PersistentVolumeClaimVolumeSource(claim_name="pvc"),
            ),
            kc.V1Volume(name="tmp", empty_dir=kc.V1EmptyDirVolumeSource(size_limit="1Gi")),
            kc.V1Volume(
                name="host", host_path=kc.V1HostPathVolumeSource(path="/var/log", type="Directory")
            ),
            kc.V1Volume(
                name="cfg",
                config_map=kc.V1ConfigMapVolumeSource(
                    name="cfg", items=[kc.V1KeyToPath(key="a", path="a.txt")]
                ),
            ),
            kc.V1Volume(
                name="sec", secret=kc.V1SecretVolumeSource(secret_name="s", default_mode=0o400)
            ),
            kc.V1Volume(
                name="token",
                projected=kc.V1ProjectedVolumeSource(
                    sources=[
                        kc.V1VolumeProjection(
                            service_account_token=kc.V1ServiceAccountTokenProjection(
                                path="token", expiration_seconds=3600
                            )
                        )
                    ]
                ),
            ),
        ],
        restart_policy="Always",
        termination_grace_period_seconds=10,
        active_deadline_seconds=600,
        dns_policy="None",
        dns_config=kc.V1PodDNSConfig(
            nameservers=["1.1.1.1"], options=[kc.V1PodDNSConfigOption(name="ndots", value="2")]
        ),
        node_selector={"disk": "ssd"},
        service_account_name="app",
        automount_service_account_token=False,
        host_network=False,
        hostname="app-0",
        subdomain="apps",
        affinity=kc.V1Affinity(
            node_affinity=kc.V1NodeAffinity(
                required_during_scheduling_ignored_during_execution=kc.V1NodeSelector(
                    node_selector_terms=[
                        kc.V1NodeSelectorTerm(
                            match_expressions=[
                                kc.V1NodeSelectorRequirement(
                                    key="zone", operator="In", values=["a", "b"]
                                )
                            ]
                        )
                    ]
                ),
                preferred_during_scheduling_ignored_during_execution=[
                    kc.V1PreferredSchedulingTerm(
                        weight=10,
                        preference=kc.V1NodeSelectorTerm(
                            match_expressions=[
                                kc.V1NodeSelectorRequirement(key="gpu", operator="Exists")
                            ]
                        ),
                    )
                ],
            ),
            pod_anti_affinity=kc.V1PodAntiAffinity(
                required_during_scheduling_ignored_during_execution=[
                    kc.V1PodAffinityTerm(
                        label_selector=kc.V1LabelSelector(match_labels={"app": "x"}),
                        topology_key="kubernetes.io/hostname",
                    )
                ]
            ),
        ),
        tolerations=[
            kc.V1Toleration(
                key="dedicated",
                operator="Equal",
                value="db",
                effect="NoExecute",
                toleration_seconds=30,
            )
        ],
        topology_spread_constraints=[
            kc.V1TopologySpreadConstraint(
                max_skew=1,
                topology_key="zone",
                when_unsatisfiable="DoNotSchedule",
                label_selector=kc.V1LabelSelector(match_labels={"app": "x"}),
            )
        ],
        priority=100,
        priority_class_name="high",
        scheduler_name="default-scheduler",
        security_context=kc.V1PodSecurityContext(fs_group=2000, run_as_user=1000),
        image_pull_secrets=[kc.V1LocalObjectReference(name="regcred")],
        enable_service_links=False,
        preemption_policy="PreemptLowerPriority",
        readiness_gates=[kc.V1PodReadinessGate(condition_type="x/ready")],
        overhead={"cpu": "10m"},
        host_aliases=[kc.V1HostAlias(ip="127.0.0.1", hostnames=["foo.local"])],
    )
    status = kc.V1PodStatus(
        phase="Running",
        host_ip="10.0.0.2",
        pod_ip="10.1.0.7",
        pod_ips=[kc.V1PodIP(ip="10.1.0.7")],
        start_time="2024-05-01T12:00:00Z",
        qos_class="Burstable",
        conditions=[
            kc.V1PodCondition(
                type="Ready", status="True", last_transition_time="2024-05-01T12:00:05Z"
            )
        ],
        container_statuses=[
            kc.V1ContainerStatus(
                name="app",
                image="registry.local/app:2.1",
                image_id="sha256:abc",
                ready=True,
                restart_count=1,
                container_id="containerd://123",
                started=True,
                state=kc.V1ContainerState(
                    running=kc.V1ContainerStateRunning(started_at="2024-05-01T12:00:01Z")
                ),
                last_state=kc.V1ContainerState(
                    terminated=kc.V1ContainerStateTerminated(exit_code=137, reason="OOMKilled")
                ),
            )
        ],
    )
    meta = kc.V1ObjectMeta(
        name="app-0",
        namespace="prod",
        labels={"app": "x"},
        annotations={"note": "hi"},
        owner_references=[
            kc.V1OwnerReference(
                api_version="apps/v1", kind="ReplicaSet", name="app-5d", uid="u1", controller=True
            )
        ],
        finalizers=["example.com/cleanup"],
        generate_name="app-",
        uid="1234",
        resource_version="42",
    )
    wire = _sanitize(
        kc.V1Pod(api_version="v1", kind="Pod", metadata=meta, spec=spec, status=status)
    )
    pod = ko.from_dict(wire)
    assert ko.to_dict(pod) == wire
    assert pod.spec.containers[0].resources.limits["memory"] == ko.Quantity.parse("128Mi")
    started = pod.status.container_statuses[0].state.running.started_at
    assert ko.format_time(ko.parse_time(started)) == "2024-05-01T12:00:01Z"


def test_client_objects_of_other_kinds_round_trip() -> None:
    selector = kc.V1LabelSelector(
        match_labels={"app": "x"},
        match_expressions=[
            kc.V1LabelSelectorRequirement(key="tier", operator="NotIn", values=["db"])
        ],
    )
    template = kc.V1PodTemplateSpec(
        metadata=kc.V1ObjectMeta(labels={"app": "x"}),
        spec=kc.V1PodSpec(containers=[kc.V1Container(name="c", image="nginx")]),
    )
    models = [
        kc.V1Deployment(
            api_version="apps/v1",
            kind="Deployment",
            metadata=kc.V1ObjectMeta(name="d"),
            spec=kc.V1DeploymentSpec(
                replicas=3,
                selector=selector,
                template=template,
                min_ready_seconds=5,
                revision_history_limit=3,
                paused=False,
                progress_deadline_seconds=120,
                strategy=kc.V1DeploymentStrategy(
                    type="RollingUpdate",
                    rolling_update=kc.V1RollingUpdateDeployment(max_surge=1, max_unavailable="10%"),
                ),
            ),
            status=kc.V1DeploymentStatus(
                replicas=3,
                ready_replicas=2,
                conditions=[
                    kc.V1DeploymentCondition(
                        type="Available",
                        status="True",
                        last_update_time="2024-05-01T12:00:00Z",
                        reason="MinimumReplicasAvailable",
                    )
                ],
            ),
        ),
        kc.V1ReplicaSet(
            api_version="apps/v1",
            kind="ReplicaSet",
            metadata=kc.V1ObjectMeta(name="r"),
            spec=kc.V1ReplicaSetSpec(replicas=2, selector=selector, template=template),
            status=kc.V1ReplicaSetStatus(
                replicas=2, fully_labeled_replicas=2, observed_generation=4
            ),
        ),
        kc.V1Service(
            api_version="v1",
            kind="Service",
            metadata=kc.V1ObjectMeta(name="s"),
            spec=kc.V1ServiceSpec(
                type="NodePort",
                selector={"app": "x"},
                cluster_ip="10.96.0.10",
                cluster_ips=["10.96.0.10"],
                ports=[
                    kc.V1ServicePort(
                        name="http", port=80, target_port="http", node_port=30080, protocol="TCP"
                    )
                ],
                session_affinity="ClientIP",
                external_traffic_policy="Local",
                internal_traffic_policy="Cluster",
                ip_families=["IPv4"],
                ip_family_policy="SingleStack",
                publish_not_ready_addresses=True,
            ),
        ),
        kc.V1Endpoints(
            api_version="v1",
            kind="Endpoints",
            metadata=kc.V1ObjectMeta(name="s"),
            subsets=[
                kc.V1EndpointSubset(
                    addresses=[
                        kc.V1EndpointAddress(
                            ip="10.1.0.7",
                            node_name="n1",
                            target_ref=kc.V1ObjectReference(
                                kind="Pod", name="p", namespace="default"
                            ),
                        )
                    ],
                    ports=[kc.CoreV1EndpointPort(name="http", port=8080, protocol="TCP")],
                )
            ],
        ),
        kc.V1Node(
            api_version="v1",
            kind="Node",
            metadata=kc.V1ObjectMeta(name="n1"),
            spec=kc.V1NodeSpec(
                pod_cidr="10.1.0.0/24",
                pod_cidrs=["10.1.0.0/24"],
                unschedulable=True,
                taints=[kc.V1Taint(key="k", value="v", effect="NoSchedule")],
            ),
            status=kc.V1NodeStatus(
                capacity={"cpu": "4", "memory": "16Gi", "pods": "110"},
                allocatable={"cpu": "3800m"},
                addresses=[kc.V1NodeAddress(type="InternalIP", address="10.0.0.2")],
                conditions=[
                    kc.V1NodeCondition(
                        type="Ready", status="True", last_heartbeat_time="2024-05-01T12:00:00Z"
                    )
                ],
                node_info=kc.V1NodeSystemInfo(
                    machine_id="m",
                    system_uuid="u",
                    boot_id="b",
                    kernel_version="6.1",
                    os_image="kubelab",
                    container_runtime_version="sim://1",
                    kubelet_version="v1.30.0",
                    kube_proxy_version="v1.30.0",
                    operating_system="linux",
                    architecture="amd64",
                ),
            ),
        ),
        kc.V1Lease(
            api_version="coordination.k8s.io/v1",
            kind="Lease",
            metadata=kc.V1ObjectMeta(name="kube-scheduler"),
            spec=kc.V1LeaseSpec(
                holder_identity="s1",
                lease_duration_seconds=15,
                acquire_time="2024-05-01T12:00:00.000000Z",
                renew_time="2024-05-01T12:00:10.000000Z",
                lease_transitions=2,
            ),
        ),
        kc.CoreV1Event(
            api_version="v1",
            kind="Event",
            metadata=kc.V1ObjectMeta(name="p.1"),
            involved_object=kc.V1ObjectReference(kind="Pod", name="p"),
            reason="Scheduled",
            message="assigned",
            type="Normal",
            count=1,
            first_timestamp="2024-05-01T12:00:00Z",
            last_timestamp="2024-05-01T12:00:00Z",
            source=kc.V1EventSource(component="default-scheduler"),
            event_time="2024-05-01T12:00:00.123456Z",
            reporting_component="default-scheduler",
            reporting_instance="s1",
        ),
        kc.V1RoleBinding(
            api_version="rbac.authorization.k8s.io/v1",
            kind="RoleBinding",
            metadata=kc.V1ObjectMeta(name="rb"),
            role_ref=kc.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="r"),
            subjects=[kc.RbacV1Subject(kind="ServiceAccount", name="sa", namespace="default")],
        ),
        kc.V1NetworkPolicy(
            api_version="networking.k8s.io/v1",
            kind="NetworkPolicy",
            metadata=kc.V1ObjectMeta(name="np"),
            spec=kc.V1NetworkPolicySpec(
                pod_selector=kc.V1LabelSelector(),
                policy_types=["Ingress", "Egress"],
                ingress=[
                    kc.V1NetworkPolicyIngressRule(
                        _from=[kc.V1NetworkPolicyPeer(namespace_selector=selector)],
                        ports=[kc.V1NetworkPolicyPort(port=5432, end_port=5440)],
                    )
                ],
                egress=[
                    kc.V1NetworkPolicyEgressRule(
                        to=[
                            kc.V1NetworkPolicyPeer(
                                ip_block=kc.V1IPBlock(cidr="0.0.0.0/0", _except=["10.0.0.0/8"])
                            )
                        ]
                    )
                ],
            ),
        ),
    ]
    for model in models:
        wire = _sanitize(model)
        ours = ko.to_dict(ko.from_dict(wire))
        # kubelab, like the API server, always writes spec/status objects, even when empty
        assert {k: v for k, v in ours.items() if v != {}} == wire, wire["kind"]
