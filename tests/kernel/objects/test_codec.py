"""Decoding and encoding: class by kind, camelCase names, omitempty, errors that name the path."""

from __future__ import annotations

from typing import Any

import pytest

import kernel.objects as ko
from kernel.objects import FieldError, ValidationError


def pod_dict(**spec: Any) -> dict[str, Any]:
    container = {"name": "web", "image": "nginx:1.25"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": [container], **spec},
    }


def test_from_dict_picks_the_class_by_kind() -> None:
    pod = ko.from_dict(pod_dict())
    assert isinstance(pod, ko.Pod)
    assert pod.spec.containers[0].image == "nginx:1.25"
    deploy = ko.from_dict(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    )
    assert isinstance(deploy, ko.Deployment)


def test_wire_names_are_kubernetes_camel_case() -> None:
    pod = ko.Pod(
        spec=ko.PodSpec(
            termination_grace_period_seconds=5,
            node_name="n1",
            host_ipc=True,
            set_hostname_as_fqdn=True,
        ),
        status=ko.PodStatus(
            host_ip="10.0.0.1", pod_ips=(ko.PodIP(ip="10.1.0.5"),), pod_ip="10.1.0.5"
        ),
    )
    wire = ko.to_dict(pod)
    assert wire["spec"] == {
        "terminationGracePeriodSeconds": 5,
        "nodeName": "n1",
        "hostIPC": True,
        "setHostnameAsFQDN": True,
    }
    assert wire["status"] == {
        "hostIP": "10.0.0.1",
        "podIP": "10.1.0.5",
        "podIPs": [{"ip": "10.1.0.5"}],
    }
    svc = ko.to_dict(
        ko.Service(spec=ko.ServiceSpec(cluster_ip="10.96.0.1", cluster_ips=("10.96.0.1",)))
    )
    assert svc["spec"] == {"clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"]}
    node = ko.to_dict(ko.Node(spec=ko.NodeSpec(pod_cidr="10.1.0.0/24", provider_id="sim://n1")))
    assert node["spec"] == {"podCIDR": "10.1.0.0/24", "providerID": "sim://n1"}
    rule = ko.to_dict(
        ko.ClusterRole(rules=(ko.PolicyRule(verbs=("get",), non_resource_urls=("/healthz",)),))
    )
    assert rule["rules"] == [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]
    peer = ko.NetworkPolicyIngressRule(
        from_=(
            ko.NetworkPolicyPeer(ip_block=ko.IPBlock(cidr="10.0.0.0/8", except_=("10.1.0.0/16",))),
        )
    )
    assert ko.to_dict(ko.NetworkPolicy(spec=ko.NetworkPolicySpec(ingress=(peer,))))["spec"] == {
        "podSelector": {},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}],
    }


def test_none_and_empty_collections_are_omitted_but_empty_objects_are_kept() -> None:
    volume = ko.Volume(name="scratch", empty_dir=ko.EmptyDirVolumeSource())
    wire = ko.to_dict(
        ko.Pod(metadata=ko.ObjectMeta(name="p", labels={}), spec=ko.PodSpec(volumes=(volume,)))
    )
    assert wire == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"volumes": [{"name": "scratch", "emptyDir": {}}]},
        "status": {},
    }


def test_null_values_decode_as_absent() -> None:
    data = pod_dict(nodeName=None)
    data["metadata"]["labels"] = None
    pod = ko.from_dict(data)
    assert pod.spec.node_name is None
    assert pod.metadata.labels == {}


def test_unknown_field_is_rejected_naming_its_path() -> None:
    data = pod_dict()
    data["spec"]["containers"][0]["imagee"] = "nginx"
    data["spec"]["restartpolicy"] = "Always"
    with pytest.raises(ValidationError) as info:
        ko.from_dict(data)
    assert [str(e) for e in info.value.errors] == [
        'unknown field "spec.containers[0].imagee"',
        'unknown field "spec.restartpolicy"',
    ]
    assert {e.type for e in info.value.errors} == {"FieldValueUnknown"}
    assert str(info.value) == (
        'Pod "web" is invalid: [unknown field "spec.containers[0].imagee", '
        'unknown field "spec.restartpolicy"]'
    )


def test_bad_quantity_is_reported_in_kubernetes_words() -> None:
    data = pod_dict()
    data["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "lots"}}
    with pytest.raises(ValidationError) as info:
        ko.from_dict(data)
    (error,) = info.value.errors
    assert (
        str(error)
        == 'spec.containers[0].resources.requests.cpu: Invalid value: "lots": must be a quantity'
    )
    assert error == FieldError(
        "FieldValueInvalid",
        "spec.containers[0].resources.requests.cpu",
        "lots",
        "must be a quantity",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"terminationGracePeriodSeconds": "30"},
            'spec.terminationGracePeriodSeconds: Invalid value: "30": must be of type integer',
        ),
        ({"hostNetwork": "yes"}, 'spec.hostNetwork: Invalid value: "yes": must be of type boolean'),
        ({"nodeName": 7}, "spec.nodeName: Invalid value: 7: must be of type string"),
        (
            {"containers": {"name": "x"}},
            'spec.containers: Invalid value: {"name": "x"}: must be of type array',
        ),
        (
            {"nodeSelector": ["a"]},
            'spec.nodeSelector: Invalid value: ["a"]: must be of type object',
        ),
        ({"affinity": "near"}, 'spec.affinity: Invalid value: "near": must be of type object'),
    ],
)
def test_wrong_types_are_rejected_naming_the_path(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        ko.from_dict(pod_dict(**spec))
    assert [str(e) for e in info.value.errors] == [message]
    assert info.value.errors[0].type == "FieldValueTypeInvalid"


def test_missing_or_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="kind: Required value"):
        ko.from_dict({"apiVersion": "v1", "metadata": {"name": "x"}})
    with pytest.raises(ValidationError, match='kind: Unsupported value: "Pdo": supported values: '):
        ko.from_dict({"apiVersion": "v1", "kind": "Pdo"})
    with pytest.raises(
        ValidationError, match=r'apiVersion: Required value: Deployment needs apiVersion: "apps/v1"'
    ):
        ko.from_dict({"kind": "Deployment"})
    with pytest.raises(
        ValidationError, match='apiVersion: Invalid value: "v1": Deployment is served as "apps/v1"'
    ):
        ko.from_dict({"apiVersion": "v1", "kind": "Deployment"})


def test_decode_with_a_class() -> None:
    spec = ko.decode(ko.PodSpec, {"containers": [{"name": "a", "image": "busybox"}]})
    assert spec == ko.PodSpec(containers=(ko.Container(name="a", image="busybox"),))
    with pytest.raises(ValidationError, match='unknown field "containerz"'):
        ko.decode(ko.PodSpec, {"containerz": []})
    with pytest.raises(ValidationError, match='kind: Invalid value: "Service": must be Pod'):
        ko.decode(ko.Pod, {"kind": "Service"})


def test_timestamps_are_checked_and_kept_verbatim() -> None:
    data = pod_dict()
    data["metadata"]["creationTimestamp"] = "2024-05-01T12:00:00Z"
    assert ko.from_dict(data).metadata.creation_timestamp == "2024-05-01T12:00:00Z"
    data["metadata"]["creationTimestamp"] = "yesterday"
    with pytest.raises(
        ValidationError, match=r'metadata\.creationTimestamp: Invalid value: "yesterday"'
    ):
        ko.from_dict(data)


def test_int_or_string_ports_keep_their_type() -> None:
    svc = ko.from_dict(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "s"},
            "spec": {
                "ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}]
            },
        }
    )
    assert [p.target_port for p in svc.spec.ports] == [ko.IntOrString("http"), ko.IntOrString(8081)]
    assert [p["targetPort"] for p in ko.to_dict(svc)["spec"]["ports"]] == ["http", 8081]
    assert ko.ServicePort(port=80, target_port=8080).target_port == ko.IntOrString(8080)


def test_quantities_print_canonically_on_the_wire() -> None:
    data = pod_dict()
    data["spec"]["containers"][0]["resources"] = {"limits": {"memory": "1.5Gi", "cpu": 0.5}}
    pod = ko.from_dict(data)
    assert ko.to_dict(pod)["spec"]["containers"][0]["resources"] == {
        "limits": {"memory": "1536Mi", "cpu": "500m"}
    }
    assert ko.ResourceRequirements(requests={"cpu": "250m"}).requests["cpu"] == ko.Quantity.parse(
        "0.25"
    )


def test_managed_fields_are_kept_opaque() -> None:
    data = pod_dict()
    entry = {
        "manager": "kubectl",
        "operation": "Apply",
        "fieldsV1": {"f:spec": {}},
        "fieldsType": "FieldsV1",
    }
    data["metadata"]["managedFields"] = [entry]
    assert ko.to_dict(ko.from_dict(data))["metadata"]["managedFields"] == [entry]


def test_objects_are_immutable_values() -> None:
    pod = ko.from_dict(pod_dict())
    with pytest.raises(AttributeError):
        pod.metadata.name = "other"  # type: ignore[misc]
    assert pod == ko.from_dict(pod_dict())
