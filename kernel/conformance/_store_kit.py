"""What store checks are made of: `StoreCheck`, the `CheckContext` each one gets, and helpers.

A check is an async function of a `CheckContext` that raises `StoreConformanceError` (an
`AssertionError`) with a sentence naming the broken rule. Checks use only the `Store` interface
and trio, and only relative revisions and keys under their own prefix, so one store may serve
every check in turn (a shared etcd) except the few marked `fresh_store`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import attrs
import trio

from kernel.interfaces.store import (
    KeyValue,
    Store,
    StoreError,
    WatchEvent,
    prefix_end,
)

StoreOpener = Callable[[], AbstractAsyncContextManager[Store]]
"""A zero-argument callable opening a store: ``async with open_store() as store``.

Wrap options with `functools.partial(open_my_store, option=...)` or a lambda.
"""

_E = TypeVar("_E", bound=BaseException)

CHECK_PREFIX = b"/kubelab-conformance/"
"""Every check writes only under `CHECK_PREFIX + name + b"/"` (cleared when the check starts)."""


class StoreConformanceError(AssertionError):
    """A store broke a contract rule; the message names the rule and what was seen."""


@attrs.define
class CheckContext:
    """What a check gets: the open store, its private key prefix, and timing knobs."""

    store: Store
    prefix: bytes
    """Keys this check may use: everything starting with it (see `key`)."""
    time_scale: float = 1.0
    """Multiplies every wait; raise it for slow stores (a real etcd under load)."""
    lease_ttl: int = 2
    """TTL, in seconds, the lease checks request (real etcd grants at least about 2 s)."""

    def key(self, name: bytes | str) -> bytes:
        """A key private to this check."""
        return self.prefix + (name.encode() if isinstance(name, str) else name)

    @property
    def prefix_end(self) -> bytes:
        """`range_end` covering this check's keys."""
        return prefix_end(self.prefix)

    @property
    def event_wait(self) -> float:
        """Seconds to wait for an event that must arrive."""
        return 5.0 * self.time_scale

    @property
    def quiet_wait(self) -> float:
        """Seconds of silence that count as "no further event"."""
        return 0.3 * self.time_scale

    async def revision(self) -> int:
        """The store's current revision."""
        return (await self.store.status()).revision


@attrs.frozen
class StoreCheck:
    """One named rule of the Store contract and the async check that proves it."""

    name: str
    """Stable identifier (used as the pytest id)."""
    rule: str
    """The rule, in one sentence, as the contract states it."""
    fn: Callable[[CheckContext], Awaitable[None]] = attrs.field(repr=False)
    fresh_store: bool = False
    """The check needs a new, empty store (e.g. "the revision starts at 1")."""

    async def run(
        self,
        open_store: StoreOpener,
        *,
        time_scale: float = 1.0,
        lease_ttl: int = 2,
        timeout: float | None = None,
    ) -> None:
        """Open a store with `open_store`, run the check, raise `StoreConformanceError` if it fails.

        `timeout` (default 60 s times `time_scale`) bounds the whole check so a store that
        never delivers an event fails instead of hanging.
        """
        limit = 60.0 * time_scale if timeout is None else timeout
        outcome: BaseException | None = None
        async with open_store() as store:
            ctx = CheckContext(
                store=store,
                prefix=CHECK_PREFIX + self.name.encode() + b"/",
                time_scale=time_scale,
                lease_ttl=lease_ttl,
            )
            # Exceptions are carried out of the store's block rather than raised through it,
            # so a store whose factory runs a nursery does not wrap them in an ExceptionGroup.
            try:
                with trio.fail_after(limit):
                    if not self.fresh_store:
                        await store.delete_range(ctx.prefix, ctx.prefix_end)
                    await self.fn(ctx)
            except trio.TooSlowError:
                outcome = StoreConformanceError(
                    f"{self.name}: did not finish within {limit:g} s ({self.rule})"
                )
            except StoreConformanceError as exc:
                outcome = StoreConformanceError(f"{self.name}: {exc} (rule: {self.rule})")
            except Exception as exc:
                outcome = exc
        if outcome is not None:
            raise outcome


class CheckRegistry:
    """An ordered list of checks filled by a decorator, one per module of checks."""

    def __init__(self) -> None:
        self.checks: list[StoreCheck] = []

    def __call__(
        self, rule: str, *, fresh_store: bool = False
    ) -> Callable[[Callable[[CheckContext], Awaitable[None]]], StoreCheck]:
        """Decorate ``async def name(ctx)`` to register it as a check of `rule`."""

        def register(fn: Callable[[CheckContext], Awaitable[None]]) -> StoreCheck:
            check = StoreCheck(name=fn.__name__, rule=rule, fn=fn, fresh_store=fresh_store)
            self.checks.append(check)
            return check

        return register


# --------------------------------------------------------------------------- assertions


def expect(condition: bool, message: str) -> None:
    """Fail the check with `message` unless `condition` holds."""
    if not condition:
        raise StoreConformanceError(message)


def expect_equal(actual: object, expected: object, what: str) -> None:
    """Fail unless `actual == expected`, showing both."""
    if actual != expected:
        raise StoreConformanceError(f"{what}: expected {expected!r}, got {actual!r}")


async def expect_raises(error: type[_E], call: Awaitable[Any], what: str) -> _E:
    """Await `call` and fail unless it raises `error`; return the error."""
    try:
        result = await call
    except error as exc:
        return exc
    except StoreError as exc:
        raise StoreConformanceError(
            f"{what}: expected {error.__name__}, got {type(exc).__name__}: {exc}"
        ) from None
    raise StoreConformanceError(f"{what}: expected {error.__name__}, got result {result!r}")


def kv_shape(kv: KeyValue | None) -> tuple[Any, ...] | None:
    """A KeyValue as a plain tuple, for readable comparisons in messages."""
    if kv is None:
        return None
    return (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version, kv.lease)


# --------------------------------------------------------------------------- watches


async def next_event(ctx: CheckContext, events: AsyncIterator[WatchEvent], what: str) -> WatchEvent:
    """The watch's next event; fail if none arrives within `ctx.event_wait`."""
    with trio.move_on_after(ctx.event_wait):
        try:
            return await events.__anext__()
        except StopAsyncIteration:
            raise StoreConformanceError(f"{what}: the watch ended unexpectedly") from None
    raise StoreConformanceError(f"{what}: no event arrived within {ctx.event_wait:g} s")


async def take_events(
    ctx: CheckContext, events: AsyncIterator[WatchEvent], count: int, what: str
) -> list[WatchEvent]:
    """The watch's next `count` events."""
    return [
        await next_event(ctx, events, f"{what} (event {i + 1} of {count})") for i in range(count)
    ]


async def expect_quiet(ctx: CheckContext, events: AsyncIterator[WatchEvent], what: str) -> None:
    """Fail if the watch delivers anything within `ctx.quiet_wait`."""
    with trio.move_on_after(ctx.quiet_wait):
        try:
            event = await events.__anext__()
        except StopAsyncIteration:
            return
        raise StoreConformanceError(f"{what}: unexpected extra event {event!r}")


def event_shape(event: WatchEvent) -> tuple[Any, ...]:
    """An event as a plain tuple (type, key, value, revision) for comparisons."""
    return (event.type.value, event.kv.key, event.kv.value, event.revision)


# --------------------------------------------------------------------------- time


async def poll_until(
    ctx: CheckContext,
    condition: Callable[[], Awaitable[bool]],
    *,
    within: float,
    what: str,
) -> None:
    """Poll `condition` every ~0.1 s (scaled) until true; fail after `within` seconds."""
    deadline = trio.current_time() + within
    interval = 0.1 * ctx.time_scale
    while True:
        if await condition():
            return
        if trio.current_time() >= deadline:
            raise StoreConformanceError(f"{what}: still not true after {within:g} s")
        await trio.sleep(interval)


def expiry_bound(ctx: CheckContext, granted_ttl: int) -> float:
    """How long a lease of `granted_ttl` may take to expire: 3 TTLs plus 2 s, scaled."""
    return (3 * max(granted_ttl, 1) + 2.0) * ctx.time_scale
