"""Informers survive a store without quorum (5xx), throttling (429) and lost connections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
import trio.testing

from components.apiserver.inprocess_client import InProcessClient
from kernel.api.errors import Forbidden, ServiceUnavailable, StatusDetails, TooManyRequests
from kernel.client.types import APIConnectionError
from kernel.informer import Informer, SharedInformerFactory
from kernel.objects import ConfigMap, ObjectMeta


class FailingClient:
    """Fails the first lists (and watches) with the given errors, then delegates."""

    def __init__(self, inner: InProcessClient, list_errors: list[Exception],
                 watch_errors: list[Exception] | None = None) -> None:  # fmt: skip
        self.inner = inner
        self.list_errors = list(list_errors)
        self.watch_errors = list(watch_errors or [])
        self.list_times: list[float] = []
        self.watches = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def list(self, *args: Any, **kwargs: Any) -> Any:
        self.list_times.append(trio.current_time())
        if self.list_errors:
            raise self.list_errors.pop(0)
        return await self.inner.list(*args, **kwargs)

    @asynccontextmanager
    async def watch(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        self.watches += 1
        if self.watch_errors:
            raise self.watch_errors.pop(0)
        async with self.inner.watch(*args, **kwargs) as events:
            yield events


async def test_list_retries_5xx_429_and_resets_with_backoff(
    client: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    await client.create(ConfigMap(metadata=ObjectMeta(name="a")))
    errors: list[Exception] = [
        ServiceUnavailable("no quorum"),
        APIConnectionError("reset", definite=False),
        ServiceUnavailable("no quorum"),
        TooManyRequests("slow down", StatusDetails(retry_after_seconds=7)),
    ]
    flaky = FailingClient(client, errors)
    informer = Informer(flaky, ConfigMap, "default")  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(informer.run)
        gaps = [
            round(b - a, 3) for a, b in zip(flaky.list_times, flaky.list_times[1:], strict=False)
        ]
        assert gaps == [0.8, 1.6, 3.2, 7.0]  # doubling; the 429's Retry-After wins
        assert informer.cache.keys() == ["default/a"]
        assert informer.statistics().retries == 4
        nursery.cancel_scope.cancel()


async def test_watch_errors_are_retried_and_the_cache_stays_live(
    client: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    flaky = FailingClient(
        client, [], [ServiceUnavailable("x"), APIConnectionError("refused", definite=True)]
    )
    informer = Informer(flaky, ConfigMap, "default", max_retry_delay=1.0)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(informer.run)
        await client.create(ConfigMap(metadata=ObjectMeta(name="late")))
        with trio.fail_after(30):
            while "default/late" not in informer.cache:
                await trio.sleep(0.1)
        assert flaky.watches == 3
        nursery.cancel_scope.cancel()


async def test_a_forbidden_list_is_not_retried(client: InProcessClient) -> None:
    informer = Informer(FailingClient(client, [Forbidden("no")]), ConfigMap)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        await informer.run()


async def test_factory_shares_one_informer_per_resource_and_selector(
    client: InProcessClient,
) -> None:
    counting = FailingClient(client, [])
    factory = SharedInformerFactory(counting)  # type: ignore[arg-type]
    one = factory.informer(ConfigMap)
    assert factory.informer(ConfigMap) is one
    other = factory.informer(ConfigMap, label_selector="app=web")
    assert other is not one
    async with trio.open_nursery() as nursery:
        await nursery.start(factory.run)
        await factory.wait_synced()
        late = factory.informer(ConfigMap, "kube-system")  # started at once
        with trio.fail_after(5):
            await late.wait_synced()
        assert len(counting.list_times) == 3
        nursery.cancel_scope.cancel()
