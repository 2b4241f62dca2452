"""HTTPS and client-certificate authentication (issue 10, item 4), against a real socket.

A certificate signed by the cluster CA authenticates as Kubernetes' x509 authenticator does
(CN = user, O = groups); one from another CA never gets past the handshake; a client without
one is anonymous or uses its token; nobody can pose as a certificate user with a header.
"""

from __future__ import annotations

import random
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import httpx
import pytest
import trio

from components.apiserver.rbac import RBACAuthorizer
from components.apiserver.rbac_policy import ensure_bootstrap_policy
from components.apiserver.server import APIServer
from components.apiserver.serving import open_http_server
from components.apiserver.storage import Storage
from components.apiserver.tokens import TokenAuthenticator, TokenEntry
from components.apiserver.up_tls import ClusterTLS, prepare_tls
from components.apiserver.x509_auth import X509Authenticator
from kernel.api.users import UserInfo
from kernel.client import open_http_client
from kernel.client.http import kubeconfig_ssl_context
from kernel.client.kubeconfig import load_kubeconfig, write_kubeconfig
from kernel.client.tls import client_context
from kernel.interfaces.store import Store
from kernel.objects import ConfigMap, Namespace, from_dict
from kernel.pki import issue, new_ca
from tests.apiserver.fakes import FixedClock


@attrs.frozen
class TLSServer:
    url: str
    tls: ClusterTLS


@pytest.fixture
async def https(store: Store, clock: FixedClock, tmp_path: Path) -> AsyncIterator[TLSServer]:
    api = APIServer(
        store,
        clock=clock,
        rng=random.Random(5),
        authenticator=X509Authenticator(
            TokenAuthenticator([TokenEntry("bob-token", UserInfo("bob", "bob"))])
        ),
        authorizer=RBACAuthorizer(Storage(store)),
    )
    await api.start()
    await ensure_bootstrap_policy(api)
    tls = prepare_tls(tmp_path, "127.0.0.1")
    async with open_http_server(api, ssl_context=tls.context) as url:
        yield TLSServer(url, tls)


def _context(server: TLSServer, user: UserInfo | None) -> ssl.SSLContext:
    pair = server.tls.client_pair(user) if user else (None, None)
    return client_context(server.tls.ca.cert_pem, *pair)


async def test_the_server_speaks_https_and_names_its_scheme(https: TLSServer) -> None:
    assert https.url.startswith("https://127.0.0.1:")
    async with httpx.AsyncClient(verify=_context(https, None)) as http:
        assert (await http.get(f"{https.url}/healthz")).status_code == 200


async def test_plain_http_to_the_https_port_gets_no_answer(https: TLSServer) -> None:
    plain = https.url.replace("https://", "http://")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{plain}/api/v1/namespaces", timeout=5)


async def test_an_admin_certificate_authenticates_as_its_cn_and_groups(https: TLSServer) -> None:
    admin = UserInfo("root-ish", groups=("system:masters",))
    async with open_http_client(https.url, ssl_context=_context(https, admin)) as client:
        names = {ns.metadata.name for ns in (await client.list(Namespace)).items}
    assert "default" in names


async def test_a_certificate_user_without_bindings_is_forbidden_by_name(https: TLSServer) -> None:
    alice = UserInfo("alice", groups=("devs",))
    async with httpx.AsyncClient(verify=_context(https, alice)) as http:
        got = await http.get(f"{https.url}/api/v1/namespaces/default/configmaps")
    assert got.status_code == 403
    assert 'User "alice" cannot list resource "configmaps"' in got.json()["message"]


async def test_no_certificate_means_anonymous_and_a_token_still_works(https: TLSServer) -> None:
    async with httpx.AsyncClient(verify=_context(https, None)) as http:
        anon = await http.get(f"{https.url}/api/v1/namespaces/default/configmaps")
        bob = await http.get(
            f"{https.url}/api/v1/namespaces/default/configmaps",
            headers={"Authorization": "Bearer bob-token"},
        )
    assert 'User "system:anonymous"' in anon.json()["message"]
    assert 'User "bob"' in bob.json()["message"]


async def test_a_certificate_from_another_ca_is_refused_at_the_handshake(
    https: TLSServer,
) -> None:
    stranger = issue(new_ca(), "admin", ["system:masters"])
    context = client_context(https.tls.ca.cert_pem, stranger.cert_pem, stranger.key_pem)
    with pytest.raises(httpx.TransportError):
        async with httpx.AsyncClient(verify=context) as http:
            await http.get(f"{https.url}/api/v1/namespaces")


@pytest.mark.parametrize("name", [":x509-user", "x509-user", " :x509-user"])
async def test_a_client_cannot_pose_as_a_certificate_user_with_a_header(
    https: TLSServer, name: str
) -> None:
    port = int(https.url.rsplit(":", 1)[1])
    stream = await trio.open_ssl_over_tcp_stream(
        "127.0.0.1", port, ssl_context=_context(https, None), https_compatible=True
    )
    request = (
        f"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n{name}: admin\r\n"
        f"{name.replace('user', 'groups')}: system:masters\r\nConnection: close\r\n\r\n"
    )
    await stream.send_all(request.encode())
    answer = b""
    while chunk := await stream.receive_some(65536):
        answer += chunk
    status = answer.split(b" ", 2)[1]
    # a name with a colon is malformed (400); without, it is an unknown header (anonymous: 403)
    assert status == (b"403" if name == "x509-user" else b"400"), answer[:200]
    await stream.aclose()


async def test_a_watch_streams_over_tls(https: TLSServer) -> None:
    admin = UserInfo("admin", groups=("system:masters",))
    context = _context(https, admin)
    async with (
        open_http_client(https.url, ssl_context=context) as client,
        client.watch(ConfigMap, namespace="default") as events,
    ):
        await client.create(
            from_dict({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
        )
        async for event in events:
            assert event.type == "ADDED"
            assert event.object.metadata.name == "c"
            break


async def test_a_kubeconfig_with_ca_and_client_cert_data_round_trips(
    https: TLSServer, tmp_path: Path
) -> None:
    admin = UserInfo("admin", groups=("system:masters",))
    path = write_kubeconfig(
        tmp_path / "kc",
        https.url,
        ca_pem=https.tls.ca.cert_pem,
        client_cert=https.tls.client_pair(admin),
    )
    config = load_kubeconfig(path)
    assert config.ca_pem == https.tls.ca.cert_pem
    async with open_http_client(https.url, ssl_context=kubeconfig_ssl_context(config)) as client:
        await client.list(Namespace)


def test_the_ca_is_made_once_with_owner_only_keys_and_reused(tmp_path: Path) -> None:
    first = prepare_tls(tmp_path, "127.0.0.2")
    again = prepare_tls(tmp_path, "127.0.0.2")
    assert first.ca == again.ca
    assert first.serving != again.serving
    pki = tmp_path / "pki"
    assert pki.stat().st_mode & 0o777 == 0o700
    for key in ("ca.key", "apiserver.key", "ca.crt"):
        assert (pki / key).stat().st_mode & 0o777 == 0o600, key
