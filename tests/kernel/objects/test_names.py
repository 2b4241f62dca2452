"""Name rules and generateName, with Kubernetes' exact messages."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import components.apiserver.validation as kv
import kernel.objects as ko

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


def errors_for(obj: ko.KubeObject) -> list[str]:
    return [str(e) for e in kv.validate(obj) if e.field.startswith("metadata.name")]


def test_most_objects_use_dns1123_subdomains() -> None:
    assert errors_for(ko.Pod(metadata=ko.ObjectMeta(name="web.v1", namespace="d"))) == []
    assert errors_for(ko.Pod(metadata=ko.ObjectMeta(name="Web", namespace="d"))) == [
        f'metadata.name: Invalid value: "Web": {SUBDOMAIN_MSG}'
    ]
    long_name = "a" * 254
    assert errors_for(ko.Node(metadata=ko.ObjectMeta(name=long_name))) == [
        f'metadata.name: Invalid value: "{long_name}": must be no more than 253 characters'
    ]
    assert errors_for(ko.Node(metadata=ko.ObjectMeta(name="a" * 253))) == []


def test_namespaces_use_dns1123_labels() -> None:
    assert errors_for(ko.Namespace(metadata=ko.ObjectMeta(name="team-a"))) == []
    assert errors_for(ko.Namespace(metadata=ko.ObjectMeta(name="team.a"))) == [
        f'metadata.name: Invalid value: "team.a": {LABEL_MSG}'
    ]
    assert errors_for(ko.Namespace(metadata=ko.ObjectMeta(name="a" * 64)))[0].endswith(
        "must be no more than 63 characters"
    )


def test_services_use_dns1035_labels() -> None:
    svc = ko.Service(metadata=ko.ObjectMeta(name="1web", namespace="d"))
    assert errors_for(svc) == [f'metadata.name: Invalid value: "1web": {DNS1035_MSG}']
    assert errors_for(ko.Service(metadata=ko.ObjectMeta(name="web-1", namespace="d"))) == []


def test_rbac_names_only_need_to_be_path_segments() -> None:
    assert errors_for(ko.ClusterRole(metadata=ko.ObjectMeta(name="system:controller:x"))) == []
    assert errors_for(ko.ClusterRole(metadata=ko.ObjectMeta(name="a/b"))) == [
        "metadata.name: Invalid value: \"a/b\": may not contain '/'"
    ]


def test_name_or_generate_name_is_required() -> None:
    assert [str(e) for e in kv.validate(ko.Namespace())] == [
        "metadata.name: Required value: name or generateName is required"
    ]
    assert kv.validate(ko.Namespace(metadata=ko.ObjectMeta(generate_name="team-"))) == []
    bad = kv.validate(ko.Namespace(metadata=ko.ObjectMeta(generate_name="Team-")))
    assert [e.field for e in bad] == ["metadata.generateName"]


def test_generate_name_trims_the_base_and_adds_five_characters() -> None:
    rng = random.Random(7)
    name = ko.generate_name("web-", rng)
    assert name.startswith("web-")
    assert len(name) == 9
    assert set(name[4:]) <= set(ko.GENERATE_NAME_ALPHABET)
    long_name = ko.generate_name("x" * 100, rng)
    assert long_name[:58] == "x" * 58
    assert len(long_name) == 63
    assert ko.generate_name("web-", random.Random(1)) == ko.generate_name("web-", random.Random(1))


@given(st.from_regex(r"[a-z]([-a-z0-9]{0,80}[a-z0-9])?", fullmatch=True), st.integers())
def test_generated_names_from_valid_prefixes_are_valid(base: str, seed: int) -> None:
    name = ko.generate_name(base + "-", random.Random(seed))
    assert ko.is_dns1123_label(name) == []


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("app", True),
        ("app.kubernetes.io/name", True),
        ("example.com/My_Key.1", True),
        ("-app", False),
        ("Example.com/app", False),
        ("a/b/c", False),
        ("/app", False),
        ("x" * 64, False),
    ],
)
def test_label_keys_are_qualified_names(key: str, ok: bool) -> None:
    assert (ko.is_qualified_name(key) == []) is ok


def test_label_errors_read_like_kubernetes() -> None:
    pod = ko.Pod(metadata=ko.ObjectMeta(name="p", namespace="d", labels={"app": "-bad"}))
    (error,) = kv.validate(pod)[:1]
    assert str(error).startswith('metadata.labels: Invalid value: "-bad": a valid label must be')
