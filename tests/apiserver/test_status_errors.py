"""Every error case answers a Kubernetes `Status` with the right code, reason and message."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping

import httpx
import pytest
import trio

from components.apiserver.auth import ADMIN_USER, UserInfo
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from kernel.interfaces.store import Store
from tests.apiserver.fakes import pod

PODS = "/api/v1/namespaces/default/pods"


@pytest.fixture
async def http(url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url) as client:
        yield client


def status(response: httpx.Response, code: int, reason: str) -> dict:
    body = response.json()
    assert (response.status_code, body["kind"], body["status"]) == (code, "Status", "Failure")
    assert (body["code"], body["reason"]) == (code, reason), body
    return body


async def test_400_malformed_json(http: httpx.AsyncClient) -> None:
    r = await http.post(PODS, content=b"{nope", headers={"content-type": "application/json"})
    assert status(r, 400, "BadRequest")["message"].startswith("the request body is not valid JSON")


async def test_400_unknown_field_names_the_field(http: httpx.AsyncClient) -> None:
    body = pod("web")
    body["spec"]["bogus"] = 1
    r = await http.post(PODS, json=body)
    assert "bogus" in status(r, 400, "BadRequest")["message"]


async def test_404_names_the_object(http: httpx.AsyncClient) -> None:
    r = await http.get(f"{PODS}/nope")
    body = status(r, 404, "NotFound")
    assert body["message"] == 'pods "nope" not found'
    assert body["details"] == {"name": "nope", "kind": "pods"}


async def test_405_post_to_an_object(http: httpx.AsyncClient) -> None:
    status(await http.post(f"{PODS}/web", json=pod("web")), 405, "MethodNotAllowed")


async def test_409_already_exists(http: httpx.AsyncClient) -> None:
    await http.post(PODS, json=pod("web"))
    r = await http.post(PODS, json=pod("web"))
    assert status(r, 409, "AlreadyExists")["message"] == 'pods "web" already exists'


async def test_409_conflict_on_a_stale_resource_version(http: httpx.AsyncClient) -> None:
    created = (await http.post(PODS, json=pod("web"))).json()
    await http.patch(
        f"{PODS}/web",
        content=b'{"metadata":{"labels":{"a":"b"}}}',
        headers={"content-type": "application/merge-patch+json"},
    )
    r = await http.put(f"{PODS}/web", json=created)
    assert status(r, 409, "Conflict")["message"] == (
        'Operation cannot be fulfilled on pods "web": the object has been modified; please '
        "apply your changes to the latest version and try again"
    )


async def test_410_watch_from_a_compacted_version(http: httpx.AsyncClient, store: Store) -> None:
    first = (await http.post(PODS, json=pod("a"))).json()["metadata"]["resourceVersion"]
    await http.post(PODS, json=pod("b"))
    await http.post(PODS, json=pod("c"))  # compacting here drops the revision after `first`
    await store.compact((await store.status()).revision)
    r = await http.get(PODS, params={"watch": "1", "resourceVersion": first})
    lines = [json.loads(line) for line in r.text.splitlines() if line.strip()]
    assert lines[-1]["type"] == "ERROR"
    assert (lines[-1]["object"]["code"], lines[-1]["object"]["reason"]) == (410, "Expired")


async def test_410_continue_token_after_compaction(http: httpx.AsyncClient, store: Store) -> None:
    for name in ("a", "b", "c"):
        await http.post(PODS, json=pod(name))
    page = (await http.get(PODS, params={"limit": "1"})).json()
    await http.post(PODS, json=pod("d"))
    await store.compact((await store.status()).revision)
    r = await http.get(PODS, params={"limit": "1", "continue": page["metadata"]["continue"]})
    status(r, 410, "Expired")


async def test_415_unsupported_media_type(http: httpx.AsyncClient) -> None:
    r = await http.post(PODS, content=b"kind: Pod", headers={"content-type": "text/plain"})
    status(r, 415, "UnsupportedMediaType")
    r = await http.patch(f"{PODS}/web", content=b"{}", headers={"content-type": "text/plain"})
    status(r, 415, "UnsupportedMediaType")


async def test_422_lists_every_bad_field_in_causes(http: httpx.AsyncClient) -> None:
    body = pod("Bad_Name")
    body["spec"]["containers"][0]["image"] = ""
    r = await http.post(PODS, json=body)
    got = status(r, 422, "Invalid")
    fields = {c["field"] for c in got["details"]["causes"]}
    assert {"metadata.name", "spec.containers[0].image"} <= fields
    assert got["message"].startswith('Pod "Bad_Name" is invalid: [')


class GateAuthenticator:
    """Holds requests carrying the token ``slow`` until `release` is set."""

    def __init__(self) -> None:
        self.held = trio.Event()
        self.release = trio.Event()

    async def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None:
        if headers.get("authorization") == "Bearer slow":
            self.held.set()
            await self.release.wait()
        return ADMIN_USER


async def test_429_past_max_requests_inflight(store: Store) -> None:
    gate = GateAuthenticator()
    server = APIServer(store, authenticator=gate)
    await server.start()
    async with (
        open_http_server(server, max_requests_inflight=1) as url,
        httpx.AsyncClient(base_url=url) as http,
        trio.open_nursery() as nursery,
    ):
        slow: list[httpx.Response] = []
        done = trio.Event()

        async def held() -> None:
            slow.append(await http.get(PODS, headers={"authorization": "Bearer slow"}))
            done.set()

        nursery.start_soon(held)
        await gate.held.wait()
        r = await http.get(PODS)
        body = status(r, 429, "TooManyRequests")
        assert body["details"]["retryAfterSeconds"] == 1
        assert r.headers["retry-after"] == "1"
        gate.release.set()
        await done.wait()
        assert (await http.get(PODS)).status_code == 200  # the slot was given back
    assert slow[0].status_code == 200
