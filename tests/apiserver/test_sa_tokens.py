"""ServiceAccount tokens: bound to the account uid, one spelling, an expiry, a private key."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from components.apiserver.inprocess_client import InProcessClient
from components.apiserver.sa_tokens import (
    ServiceAccountTokens,
    SigningKey,
    b64url,
    canonical_b64url,
    token_claims,
)
from components.apiserver.server import APIServer
from kernel.api.errors import Forbidden, Invalid, NotFound, Unauthorized
from kernel.api.requests import Target
from kernel.objects import Pod, ServiceAccount, from_dict
from tests.apiserver.fakes import FixedClock
from tests.apiserver.test_rbac import SA_KEY, rbac_server  # noqa: F401 - the fixture

ACCOUNTS = {("default", "bot"): "uid-1"}


async def _uid_of(namespace: str, name: str) -> str | None:
    return ACCOUNTS.get((namespace, name))


TOKENS = ServiceAccountTokens(SA_KEY, _uid_of, FixedClock())
GOOD = TOKENS.issue("default", "bot", "uid-1")


def authenticates(token: str, tokens: ServiceAccountTokens = TOKENS) -> bool:
    return trio.run(tokens.authenticate, token) is not None


def service_accounts(api: APIServer) -> ServiceAccountTokens:
    return api.authenticator.service_accounts  # type: ignore[attr-defined,no-any-return]


async def denied_or_unauthorized(api: APIServer, token: str) -> str:
    try:
        await InProcessClient(api, token=token).get(Pod, "existing")
    except Unauthorized:
        return "401"
    except Forbidden:
        return "403"
    return "allowed"


async def test_a_never_created_account_is_refused(rbac_server: APIServer) -> None:  # noqa: F811
    token = service_accounts(rbac_server).issue("default", "ghost", "made-up-uid")
    assert await denied_or_unauthorized(rbac_server, token) == "401"


async def test_a_deleted_or_recreated_account_is_refused(rbac_server: APIServer) -> None:  # noqa: F811
    admin = InProcessClient(rbac_server, token="admin-token")
    body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot"}}
    account = await admin.create(from_dict(body))
    token = service_accounts(rbac_server).issue("default", "bot", account.metadata.uid)
    assert await denied_or_unauthorized(rbac_server, token) == "403"  # authenticated
    await admin.delete(ServiceAccount, "bot")
    assert await denied_or_unauthorized(rbac_server, token) == "401"
    await admin.create(from_dict(body))  # same name, new uid
    assert await denied_or_unauthorized(rbac_server, token) == "401"


def test_the_token_carries_kubernetes_bound_claims() -> None:
    claims = token_claims("default", "bot", "uid-1", 1000.9, 3600)
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (1000, 1000, 4600)
    assert claims["sub"] == "system:serviceaccount:default:bot"
    assert claims["kubernetes.io"] == {
        "namespace": "default",
        "serviceaccount": {"name": "bot", "uid": "uid-1"},
    }
    user = trio.run(TOKENS.authenticate, GOOD)
    assert user is not None
    assert (user.name, user.uid) == ("system:serviceaccount:default:bot", "uid-1")
    assert "system:serviceaccounts:default" in user.groups


def test_a_token_expires_and_is_not_valid_before_nbf() -> None:
    clock = FixedClock(10_000.0)
    tokens = ServiceAccountTokens(SA_KEY, _uid_of, clock)
    token = tokens.issue("default", "bot", "uid-1", expiration_seconds=600)
    assert authenticates(token, tokens)
    clock.advance(599)
    assert authenticates(token, tokens)
    clock.advance(1)
    assert not authenticates(token, tokens)
    clock.value = 9_999.0
    assert not authenticates(token, tokens)


def test_other_spellings_of_the_same_signature_are_refused() -> None:
    head, body, sig = GOOD.split(".")
    raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    standard = base64.b64encode(raw).decode()  # '+' '/' and padding
    padded = sig + "=" * (-len(sig) % 4)
    # 256 bytes -> 342 characters + 2 spare bits in the last: another letter, same bytes.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(sig[-1])
    alias = sig[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last | 1]
    assert alias != sig
    assert base64.urlsafe_b64decode(alias + "==") == raw
    for spelling in (standard.rstrip("="), standard, padded, alias, sig + "\n", " " + sig):
        if spelling == sig:
            continue
        assert not authenticates(f"{head}.{body}.{spelling}"), spelling
    assert not authenticates(f"{head}=.{body}.{sig}")
    assert authenticates(GOOD)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_other_token_text_is_refused(data: st.DataObject) -> None:
    """Changing any one character of a valid token (any alphabet) never authenticates."""
    index = data.draw(st.integers(0, len(GOOD) - 1))
    char = data.draw(st.characters(codec="ascii").filter(lambda c: c != GOOD[index]))
    assert not authenticates(GOOD[:index] + char + GOOD[index + 1 :])


def test_canonical_b64url_round_trips_only_canonical_text() -> None:
    assert canonical_b64url(b64url(b"\x00\xff")) == b"\x00\xff"
    assert canonical_b64url("AP8=") is None
    assert canonical_b64url("AP9") is None  # same bytes as AP8, non-zero spare bits


def test_the_key_file_is_owner_only_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "state" / "sa.key"
    first = SigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = SigningKey.load_or_create(path)
    token = first.sign({"a": 1})
    assert again.verified_claims(token) == {"a": 1}
    assert SigningKey.generate().verified_claims(token) is None


@pytest.mark.parametrize("claim", ["iss", "exp", "nbf", "iat", "kubernetes.io", "sub"])
def test_a_token_missing_a_claim_is_refused(claim: str) -> None:
    claims = token_claims("default", "bot", "uid-1", FixedClock().now())
    del claims[claim]
    assert not authenticates(SA_KEY.sign(claims))


async def test_token_request_issues_a_token_for_an_existing_account(
    rbac_server: APIServer,  # noqa: F811
) -> None:
    admin = InProcessClient(rbac_server, token="admin-token")
    body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot"}}
    account = await admin.create(from_dict(body))
    target = Target(rbac_server.catalog.by_plural("serviceaccounts"), "default", "bot", "token")  # type: ignore[arg-type]
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
    answer = await admin.raw.create(target, request)
    assert answer["kind"] == "TokenRequest"
    assert answer["spec"]["expirationSeconds"] == 3600
    token = answer["status"]["token"]
    user = await service_accounts(rbac_server).authenticate(token)
    assert user is not None
    assert user.uid == account.metadata.uid
    with pytest.raises(Invalid) as err:
        await admin.raw.create(target, {**request, "spec": {"expirationSeconds": 60}})
    assert err.value.message.endswith("may not specify a duration less than 10 minutes")
    other = {**request, "spec": {"audiences": ["vault"]}}
    foreign = (await admin.raw.create(target, other))["status"]["token"]
    assert await service_accounts(rbac_server).authenticate(foreign) is None  # not for us
    missing = Target(target.resource, "default", "ghost", "token")
    with pytest.raises(NotFound):
        await admin.raw.create(missing, request)
    alice = InProcessClient(rbac_server, token="alice-token")
    with pytest.raises(Forbidden):
        await alice.raw.create(target, request)
