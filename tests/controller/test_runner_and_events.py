"""A Reconciler run by the shared loop, and Events aggregated as client-go does."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence

import trio
import trio.testing

from components.apiserver.inprocess_client import InProcessClient
from kernel.api.errors import NotFound
from kernel.controller import NORMAL, WARNING, EventRecorder, run_reconciler
from kernel.controller.events import COMBINED_PREFIX
from kernel.interfaces.controller import (
    DONE,
    REQUEUE,
    ReconcileContext,
    Reconciler,
    Result,
    Watch,
    requeue_after,
)
from kernel.objects import ConfigMap, Event, ObjectMeta


class Mirror:
    """Keeps ConfigMap ``<name>-copy`` equal to ``<name>``; fails once per key on purpose."""

    name = "mirror"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failed: set[str] = set()
        self.concurrent = 0
        self.max_concurrent: dict[str, int] = {}
        self.active: set[str] = set()

    def watches(self) -> Sequence[Watch]:
        def source_key(cm: ConfigMap) -> list[str]:
            return [f"{cm.metadata.namespace}/{cm.metadata.name.removesuffix('-copy')}"]

        return [Watch(ConfigMap, keys=source_key)]

    async def reconcile(self, key: str, ctx: ReconcileContext) -> Result:
        assert key not in self.active, "a key was reconciled by two workers at once"
        self.active.add(key)
        try:
            self.calls.append(key)
            if key not in self.failed:
                self.failed.add(key)
                raise RuntimeError("first attempt fails")
            await trio.sleep(0.01)
            namespace, name = key.split("/")
            source = ctx.informer(ConfigMap).cache.get(key)
            if source is None:
                with contextlib.suppress(NotFound):
                    await ctx.client.delete(ConfigMap, f"{name}-copy", namespace)
                return DONE
            copy = ConfigMap(metadata=ObjectMeta(name=f"{name}-copy", namespace=namespace),
                             data=source.data)  # fmt: skip
            try:
                await ctx.client.create(copy)
            except Exception:
                current = await ctx.client.get(ConfigMap, f"{name}-copy", namespace)
                if current.data != source.data:
                    return REQUEUE if name == "never" else DONE
            ctx.events.event(source, NORMAL, "Mirrored", f"copied to {name}-copy")
            return DONE
        finally:
            self.active.discard(key)


async def test_reconciler_converges_retries_failures_and_never_runs_a_key_twice(
    client: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    mirror = Mirror()
    assert isinstance(mirror, Reconciler)
    await client.create(ConfigMap(metadata=ObjectMeta(name="a"), data={"k": "1"}))
    async with trio.open_nursery() as nursery:
        controller = await nursery.start(
            functools.partial(run_reconciler, mirror, client, workers=4)
        )
        for i in range(5):
            await client.create(ConfigMap(metadata=ObjectMeta(name=f"b{i}"), data={"k": str(i)}))
        with trio.fail_after(60):
            while len((await client.list(ConfigMap, "default")).items) < 12:
                await trio.sleep(0.05)
        copy = await client.get(ConfigMap, "b3-copy")
        assert copy.data == {"k": "3"}
        assert controller.stats.errors == 6  # each key failed once and was retried
        await client.delete(ConfigMap, "a")
        with trio.fail_after(60):
            while True:
                try:
                    await client.get(ConfigMap, "a-copy")
                except NotFound:
                    break
                await trio.sleep(0.05)
        await controller.events.flush()
        events = (await client.list(Event, "default")).items
        assert {e.involved_object.name for e in events} >= {"a", "b0", "b4"}
        assert all(e.source.component == "mirror" for e in events)  # type: ignore[union-attr]
        nursery.cancel_scope.cancel()


class Ticker:
    """Comes back every 30 s (time-driven work, as a lease checker)."""

    name = "ticker"

    def __init__(self) -> None:
        self.times: list[float] = []

    def watches(self) -> Sequence[Watch]:
        return [Watch(ConfigMap)]

    async def reconcile(self, key: str, ctx: ReconcileContext) -> Result:
        self.times.append(ctx.timers.now())
        return requeue_after(30)


async def test_requeue_after_comes_back_on_time(
    client: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    await client.create(ConfigMap(metadata=ObjectMeta(name="t")))
    ticker = Ticker()
    async with trio.open_nursery() as nursery:
        await nursery.start(run_reconciler, ticker, client)
        await trio.sleep(100)
        nursery.cancel_scope.cancel()
    gaps = [round(b - a) for a, b in zip(ticker.times, ticker.times[1:], strict=False)]
    assert gaps == [30, 30, 30]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def now(self) -> float:
        return self.t


async def test_repeated_events_aggregate_into_one_with_a_count(client: InProcessClient) -> None:
    clock = FakeClock()
    cm = await client.create(ConfigMap(metadata=ObjectMeta(name="web")))
    rec = EventRecorder(client, "kubelet", host="node-1", clock=clock)
    for _ in range(3):
        rec.event(cm, WARNING, "BackOff", "Back-off restarting failed container")
        clock.t += 10
    await rec.flush()
    (event,) = (await client.list(Event, "default")).items
    assert event.count == 3
    assert event.type == WARNING
    assert event.first_timestamp == "2023-11-14T22:13:20Z"
    assert event.last_timestamp == "2023-11-14T22:13:40Z"
    assert event.metadata.name == f"web.{int(1_700_000_000 * 1e9):x}"
    assert event.involved_object.uid == cm.metadata.uid
    assert rec.statistics().created == 1
    assert rec.statistics().updated == 2


async def test_similar_events_are_combined_and_spam_is_dropped(client: InProcessClient) -> None:
    clock = FakeClock()
    cm = await client.create(ConfigMap(metadata=ObjectMeta(name="noisy")))
    rec = EventRecorder(client, "controller", clock=clock)
    for i in range(30):
        rec.event(cm, NORMAL, "Scaled", f"scaled to {i}")
        clock.t += 1
    await rec.flush()
    events = (await client.list(Event, "default")).items
    combined = [e for e in events if (e.message or "").startswith(COMBINED_PREFIX)]
    assert len(events) == 10  # nine distinct, then one combined event
    assert len(combined) == 1
    assert combined[0].count == 25 - 9
    assert rec.statistics().dropped == 5  # burst of 25, then one per 5 minutes
    clock.t += 300
    rec.event(cm, NORMAL, "Scaled", "scaled to 99")
    await rec.flush()
    assert rec.statistics().dropped == 5
