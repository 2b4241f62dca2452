"""Concurrent-watch limits: over the per-user or overall bound a watch gets 429 Retry-After."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx
import pytest

from components.apiserver.auth import ADMIN_USER
from components.apiserver.listing import ListOptions
from components.apiserver.server import APIServer
from components.apiserver.watch_limits import WatchLimits
from kernel.api.errors import TooManyRequests
from kernel.api.requests import Target
from kernel.api.users import UserInfo
from kernel.objects import resource_for_kind

PODS = resource_for_kind("Pod")


async def test_watches_over_the_per_user_and_overall_limits_get_429(server: APIServer) -> None:
    server.watch_limits = WatchLimits(total=4, per_user=2)
    target, opts = Target(PODS, "default"), ListOptions()
    bob = UserInfo("bob", groups=("system:authenticated",))
    async with AsyncExitStack() as stack:
        for _ in range(2):
            await stack.enter_async_context(server.watch(bob, target, opts))
        with pytest.raises(TooManyRequests, match="for user 'bob'") as err:
            await stack.enter_async_context(server.watch(bob, target, opts))
        assert err.value.details.retry_after_seconds == 1
        for _ in range(2):  # system:masters: exempt from the per-user bound (APF's exempt level)
            await stack.enter_async_context(server.watch(ADMIN_USER, target, opts))
        with pytest.raises(TooManyRequests, match="on this server"):
            await stack.enter_async_context(server.watch(UserInfo("carol"), target, opts))
        assert server.watch_limits.open("bob") == 2
    assert server.watch_limits.open() == 0  # closed watches give their slots back
    async with server.watch(bob, target, opts):
        assert server.watch_limits.open("bob") == 1


async def test_http_watch_over_the_limit_is_a_429_status_with_retry_after(
    server: APIServer, url: str
) -> None:
    server.watch_limits = WatchLimits(total=0, per_user=0)
    async with httpx.AsyncClient() as http:
        res = await http.get(f"{url}/api/v1/namespaces/default/pods?watch=1")
    assert res.status_code == 429
    assert res.headers["retry-after"] == "1"
    assert res.json()["reason"] == "TooManyRequests"
