"""Work queue and rate limiters: client-go's numbers and its dedup/processing rules."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.controller import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ShutDown,
    WorkQueue,
    default_controller_rate_limiter,
)


def test_item_backoff_doubles_from_5ms_to_1000s_and_forget_resets() -> None:
    limiter = ItemExponentialFailureRateLimiter()
    delays = [limiter.when("a") for _ in range(20)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[-1] == 1000.0
    assert max(delays) == 1000.0
    assert limiter.num_requeues("a") == 20
    assert limiter.when("b") == 0.005
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 0.005


def test_bucket_allows_a_burst_of_100_then_10_per_second() -> None:
    now = [0.0]
    bucket = BucketRateLimiter(lambda: now[0])
    assert [bucket.when(i) for i in range(100)] == [0.0] * 100
    assert bucket.when("x") == pytest.approx(0.1)
    assert bucket.when("y") == pytest.approx(0.2)
    now[0] = 10.0  # refilled (capped at the burst)
    assert bucket.when("z") == 0.0


def test_default_limiter_is_the_larger_of_both() -> None:
    now = [0.0]
    limiter = default_controller_rate_limiter(lambda: now[0])
    for _ in range(100):
        limiter.when("other")  # drain the bucket
    assert limiter.when("k") == pytest.approx(0.1)  # bucket wins over 5 ms
    for _ in range(15):
        limiter.when("k")
    assert limiter.when("k") == pytest.approx(0.005 * 2**16)  # the item's backoff wins


async def test_a_key_is_queued_once_and_never_held_by_two_workers() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    q.add("a")
    q.add("b")
    assert len(q) == 2
    first = await q.get()
    q.add(first)  # changed while processing: not handed out again until done
    assert await q.get() == "b"
    assert len(q) == 0
    q.done(first)
    assert len(q) == 1
    assert await q.get() == first
    q.done(first)
    q.done("b")
    assert len(q) == 0


async def test_delayed_keys_share_one_timer_and_earliest_wins(
    autojump_clock: trio.testing.MockClock,
) -> None:
    q: WorkQueue[str] = WorkQueue()
    async with trio.open_nursery() as nursery:
        await nursery.start(q.run)
        start = trio.current_time()
        q.add_after("late", 10)
        q.add_after("x", 5)
        q.add_after("x", 2)  # earlier wins
        q.add_after("x", 8)  # later is ignored
        got = [(await q.get(), round(trio.current_time() - start, 3)) for _ in range(2)]
        assert got == [("x", 2.0), ("late", 10.0)]
        assert q.statistics().waiting == 0
        q.shut_down()
        with pytest.raises(ShutDown):
            await q.get()
        nursery.cancel_scope.cancel()


async def test_rate_limited_retries_back_off(autojump_clock: trio.testing.MockClock) -> None:
    q: WorkQueue[str] = WorkQueue()
    async with trio.open_nursery() as nursery:
        await nursery.start(q.run)
        times = []
        start = trio.current_time()
        q.add("k")
        for _ in range(5):
            key = await q.get()
            times.append(round(trio.current_time() - start, 4))
            q.done(key)
            q.add_rate_limited(key)
        assert times == [0.0, 0.005, 0.015, 0.035, 0.075]
        assert q.num_requeues("k") == 5
        nursery.cancel_scope.cancel()


OPS = st.lists(
    st.tuples(st.sampled_from(["add", "get", "done"]), st.sampled_from("abcd")), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_queue_matches_the_dedup_model(ops: list[tuple[str, str]]) -> None:
    """Against a model: every added key is handed out exactly once per add-burst, never twice."""

    async def main() -> None:
        q: WorkQueue[str] = WorkQueue()
        held: set[str] = set()
        pending: list[str] = []  # model of the FIFO
        dirty: set[str] = set()
        for op, key in ops:
            if op == "add":
                if key not in dirty:
                    dirty.add(key)
                    if key not in held:
                        pending.append(key)
                q.add(key)
            elif op == "get" and pending:
                want = pending.pop(0)
                dirty.discard(want)
                held.add(want)
                assert await q.get() == want
            elif op == "done" and key in held:
                held.discard(key)
                if key in dirty:
                    pending.append(key)
                q.done(key)
            assert len(q) == len(pending)
            assert not (held & set(pending))

    trio.run(main)
