"""Every hostile request issue 10 lists, over HTTP: each is refused with a Status, none is a 500.

Each test sends one case that ended the process or answered 500 before the fix; after it,
the server must still answer (a follow-up GET proves it is alive).
"""

from __future__ import annotations

import base64
import json

import pytest

from components.apiserver.server import APIServer
from tests.security.conftest import Raw, assert_refused

PODS = "/api/v1/namespaces/default/pods"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
CMS = "/api/v1/namespaces/default/configmaps"
S = "\\ud800"  # a lone surrogate, as a JSON escape


def pod_text(name: str = "p", **overrides: str) -> str:
    """A Pod as JSON text; `overrides` replace placeholders with raw JSON text."""
    meta = overrides.get("meta", f'"name":"{name}"')
    image = overrides.get("image", '"nginx"')
    kind = overrides.get("kind", '"Pod"')
    extra = overrides.get("extra", "")
    return (
        f'{{"apiVersion":"v1","kind":{kind},"metadata":{{{meta}}},'
        f'"spec":{{"containers":[{{"name":"c","image":{image}}}]{extra}}}}}'
    )


async def alive(raw: Raw) -> None:
    code, body = await raw.request("GET", PODS)
    assert code == 200, body


Api = tuple[APIServer, Raw]


async def test_content_length_of_4300_digits_is_413(api: Api) -> None:
    _, raw = api
    head = b"POST " + PODS.encode() + b" HTTP/1.1\r\nhost: x\r\ncontent-length: " + b"9" * 4301
    code, body = await raw.send(head + b"\r\n\r\n")
    assert_refused(code, body, 400, 413)
    await alive(raw)


@pytest.mark.parametrize("body", [f'{{"propagationPolicy":"{S}"}}', f'{{"dryRun":["{S}"]}}'])
async def test_delete_options_with_lone_surrogate_is_400(api: Api, body: str) -> None:
    _, raw = api
    code, status = await raw.request("DELETE", f"{PODS}/x", body)
    assert_refused(code, status, 400)
    await alive(raw)


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("name", pod_text(f"a{S}")),
        ("kind", pod_text(kind=f'"Pod{S}"')),
        ("label value", pod_text(meta=f'"name":"p","labels":{{"a":"{S}"}}')),
        ("unknown field key", pod_text(extra=f',"x{S}":1')),
        ("annotation", pod_text(meta=f'"name":"p","annotations":{{"a":"{S}"}}')),
        ("image", pod_text(image=f'"{S}"')),
    ],
)
async def test_lone_surrogate_in_a_pod_is_refused(api: Api, case: str, text: str) -> None:
    _, raw = api
    code, body = await raw.request("POST", PODS, text)
    assert_refused(code, body, 400, 422)
    await alive(raw)


async def test_lone_surrogate_in_a_namespace_name_is_refused(api: Api) -> None:
    _, raw = api
    text = f'{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"n{S}"}}}}'
    code, body = await raw.request("POST", "/api/v1/namespaces", text)
    assert_refused(code, body, 400, 422)
    await alive(raw)


async def test_lone_surrogate_in_a_configmap_value_is_refused(api: Api) -> None:
    _, raw = api
    text = (
        f'{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"c"}},"data":{{"k":"{S}"}}}}'
    )
    code, body = await raw.request("POST", CMS, text)
    assert_refused(code, body, 400, 422)
    await alive(raw)


async def test_lone_surrogate_is_refused_with_its_field_path(api: Api) -> None:
    _, raw = api
    code, body = await raw.request("POST", PODS, pod_text(image=f'"{S}"'))
    assert "spec.containers[0].image" in json.dumps(assert_refused(code, body, 400, 422))


async def test_non_utf8_body_is_400(api: Api) -> None:
    _, raw = api
    code, body = await raw.request(
        "POST", PODS, pod_text().replace("nginx", "ng\xffx").encode("latin-1")
    )
    assert_refused(code, body, 400)


async def test_utf16_body_is_400(api: Api) -> None:
    _, raw = api
    code, body = await raw.request("POST", PODS, pod_text().encode("utf-16"))
    assert_refused(code, body, 400)


async def test_body_without_kind_takes_the_urls_kind_as_kubernetes(api: Api) -> None:
    """kube-apiserver decodes a create with the URL's kind as default (gvkWithDefaults).

    So a body without ``kind`` is created as that kind; a wrong kind is refused.
    """
    _, raw = api
    text = pod_text().replace('"kind":"Pod",', "")
    code, body = await raw.request("POST", PODS, text)
    assert (code, body["kind"]) == (201, "Pod"), body
    code, body = await raw.request("POST", PODS, pod_text("q", kind='"Service"'))
    assert "kind" in assert_refused(code, body, 400)["message"]


async def test_json_nested_500_levels_is_400(api: Api) -> None:
    _, raw = api
    for text in ("[" * 500 + "]" * 500, '{"a":' * 500 + "1" + "}" * 500):
        code, body = await raw.request("POST", PODS, text)
        assert_refused(code, body, 400)
    code, body = await raw.request("POST", PODS, pod_text(extra=',"x":' + "[" * 100000))
    assert_refused(code, body, 400)
    await alive(raw)


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e400", "-1e400"])
async def test_non_finite_numbers_are_400(api: Api, number: str) -> None:
    _, raw = api
    code, body = await raw.request(
        "POST", PODS, pod_text(extra=f',"terminationGracePeriodSeconds":{number}')
    )
    assert_refused(code, body, 400, 422)


async def test_bogus_label_selector_operator_is_400(api: Api) -> None:
    _, raw = api
    for selector in ("a%20bogus%20(x)", "a%20in%20x", "a%3D%3D%3Db", "!!a", "a%20notin%20(%F0)"):
        code, body = await raw.request("GET", f"{PODS}?labelSelector={selector}")
        assert_refused(code, body, 400)
    await alive(raw)


def _token(obj: object) -> str:
    raw = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        _token({"v": "meta.k8s.io/v1", "rv": "1", "start": "a"}),
        _token({"v": "meta.k8s.io/v1", "rv": 1, "start": 5}),
        _token({"v": "meta.k8s.io/v1", "rv": 1.5, "start": "a"}),
        _token({"v": "meta.k8s.io/v1", "rv": True, "start": "a"}),
        _token([1, 2]),
        _token("s"),
        _token(b'{"v":"meta.k8s.io/v1","rv":1,"start":"\\ud800"}'),
        _token(b'{"v":"meta.k8s.io/v1","rv":1e400,"start":"a"}'),
        _token({"v": "meta.k8s.io/v1", "rv": 2**63, "start": "a"}),
        _token({"v": "meta.k8s.io/v1", "rv": 10**400, "start": "a"}),
        "%ED%A0%80",
    ],
)
async def test_bad_continue_tokens_are_400(api: Api, token: str) -> None:
    _, raw = api
    code, body = await raw.request("GET", f"{PODS}?limit=1&continue={token}")
    assert_refused(code, body, 400, 410)
    await alive(raw)


@pytest.mark.parametrize("value", ["9" * 400, "1e5", "-1", "\u00b2"])
async def test_absurd_integer_query_parameters_are_400(api: Api, value: str) -> None:
    _, raw = api
    for name in ("timeoutSeconds", "limit", "gracePeriodSeconds"):
        method = "DELETE" if name == "gracePeriodSeconds" else "GET"
        path = f"{PODS}/x" if method == "DELETE" else PODS
        watch = "watch=1&" if name == "timeoutSeconds" else ""
        code, body = await raw.request(method, f"{path}?{watch}{name}={value}")
        assert_refused(code, body, 400, 404)
    await alive(raw)


async def _create_pod(raw: Raw) -> None:
    code, body = await raw.request("POST", PODS, pod_text("p"))
    assert code == 201, body


@pytest.mark.parametrize("index", ["\u00b2", "01", "-1", "9" * 400, "1e3"])
async def test_json_patch_bad_index_is_refused(api: Api, index: str) -> None:
    _, raw = api
    await _create_pod(raw)
    patch = json.dumps([{"op": "add", "path": f"/spec/containers/{index}", "value": {}}])
    code, body = await raw.request("PATCH", f"{PODS}/p", patch, "application/json-patch+json")
    assert_refused(code, body, 400, 422)


async def test_json_patch_of_20_copies_is_refused_before_memory_grows(api: Api) -> None:
    """Each copy doubles the spec: 2^20 copies of it unless refused (it was 2.1 GB, 37 s)."""
    _, raw = api
    await _create_pod(raw)
    ops = [{"op": "copy", "from": "/spec", "path": f"/spec/a{n}"} for n in range(20)]
    patch = json.dumps(ops, separators=(",", ":"))
    assert len(patch) < 1100
    code, body = await raw.request("PATCH", f"{PODS}/p", patch, "application/json-patch+json")
    assert_refused(code, body, 413)
    await alive(raw)


async def test_json_patch_of_more_than_10000_operations_is_422(api: Api) -> None:
    _, raw = api
    await _create_pod(raw)
    patch = json.dumps([{"op": "test", "path": "/kind", "value": "Pod"}] * 10_001)
    code, body = await raw.request("PATCH", f"{PODS}/p", patch, "application/json-patch+json")
    assert_refused(code, body, 422)


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        (DEPLOYS, "spec.replicas", "1e20"),
        (DEPLOYS, "spec.replicas", "2147483648"),
        (PODS, "spec.terminationGracePeriodSeconds", "1e40"),
        (PODS, "spec.terminationGracePeriodSeconds", "9223372036854775808"),
        (PODS, "spec.terminationGracePeriodSeconds", "1.5"),
    ],
)
async def test_out_of_range_integers_are_refused(
    api: Api, path: str, field: str, value: str
) -> None:
    _, raw = api
    if path == DEPLOYS:
        text = (
            '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},'
            f'"spec":{{"replicas":{value},"selector":{{"matchLabels":{{"a":"b"}}}},'
            '"template":{"metadata":{"labels":{"a":"b"}},'
            '"spec":{"containers":[{"name":"c","image":"i"}]}}}}'
        )
    else:
        text = pod_text(extra=f',"terminationGracePeriodSeconds":{value}')
    code, body = await raw.request("POST", path, text)
    assert field in json.dumps(assert_refused(code, body, 400, 422))
    await alive(raw)


async def test_in_range_int64_is_stored(api: Api) -> None:
    _, raw = api
    code, body = await raw.request(
        "POST", PODS, pod_text(extra=',"terminationGracePeriodSeconds":9223372036854775807')
    )
    assert code == 201, body


@pytest.mark.parametrize("rv", [str(2**62), str(2**63 - 2)])
async def test_watch_from_a_future_resource_version_waits_and_the_server_lives(
    api: Api, rv: str
) -> None:
    _, raw = api
    code, body = await raw.request("GET", f"{PODS}?watch=1&timeoutSeconds=1&resourceVersion={rv}")
    assert code == 200 or assert_refused(code, body, 504), (code, body)
    await alive(raw)
    await _create_pod(raw)
    await alive(raw)


@pytest.mark.parametrize("rv", [str(2**63 - 1), str(2**63), str(2**64), "9" * 400])
async def test_watch_from_a_resource_version_past_int64_is_400(api: Api, rv: str) -> None:
    """On etcd a watch from 2^63-1 ended the process (the shared watch cache's pump)."""
    _, raw = api
    code, body = await raw.request("GET", f"{PODS}?watch=1&resourceVersion={rv}")
    assert_refused(code, body, 400)
    await alive(raw)
    await _create_pod(raw)
    await alive(raw)


@pytest.mark.parametrize("limit", [str(2**31), str(2**63 - 1), str(2**63), str(2**64)])
async def test_huge_limit_is_a_list_or_a_400(api: Api, limit: str) -> None:
    _, raw = api
    await _create_pod(raw)
    code, body = await raw.request("GET", f"{PODS}?limit={limit}")
    if code == 200:
        assert len(body["items"]) == 1
    else:
        assert_refused(code, body, 400)


@pytest.mark.parametrize("rv", [2**62, 2**63 - 1, 2**63, 2**64])
async def test_continue_token_with_a_huge_revision_is_refused(api: Api, rv: int) -> None:
    _, raw = api
    token = _token({"v": "meta.k8s.io/v1", "rv": rv, "start": "a\x00"})
    code, body = await raw.request("GET", f"{PODS}?limit=1&continue={token}")
    assert_refused(code, body, 400, 410, 504)
    await alive(raw)


@pytest.mark.parametrize("rv", [str(2**62), str(2**63 - 1), str(2**63)])
async def test_list_at_a_huge_resource_version_is_refused(api: Api, rv: str) -> None:
    _, raw = api
    for match in ("", "&resourceVersionMatch=Exact", "&resourceVersionMatch=NotOlderThan"):
        code, body = await raw.request("GET", f"{PODS}?resourceVersion={rv}{match}")
        assert_refused(code, body, 400, 410, 504)
    await alive(raw)
