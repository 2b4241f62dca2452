"""The contract of a controller: reconcile one key toward its desired state.

A controller (ReplicaSet, Deployment, node lifecycle, a student's own) implements `Reconciler`:
it says which kinds it watches and how a change maps to keys (`watches`), and reconciles one
key at a time (`reconcile`), reading the informer caches in `ReconcileContext` and writing
through its client. `kernel.controller.run_reconciler` does everything else, the same way for
every controller: shared informers, a deduplicating rate-limited work queue, workers, retries.

The rules, as Kubernetes' controller-runtime: a key is never reconciled by two workers at once;
changes that arrive while a key is being reconciled queue it once more afterwards; a
reconcile must be idempotent and level-based (read the current state, not the event).
`reconcile` returns `DONE`, `REQUEUE` (retry with backoff) or `requeue_after(seconds)`; an
exception is logged and retried with backoff, never ending the controller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from kernel.client.protocol import Client
    from kernel.clock import Timers
    from kernel.controller.events import EventRecorder
    from kernel.informer import Informer


@attrs.frozen
class Result:
    """What to do with a key after `reconcile`: forget it, retry with backoff, or come back."""

    requeue: bool = False
    """Retry with the queue's per-key exponential backoff."""
    requeue_after: float | None = None
    """Come back after this many seconds (resets the backoff)."""

    def __attrs_post_init__(self) -> None:
        if self.requeue_after is not None and self.requeue_after < 0:
            raise ValueError("requeue_after must be >= 0")


DONE = Result()
"""Reconciled: nothing more to do until something changes."""
REQUEUE = Result(requeue=True)
"""Not done yet (a dependency is missing, a conflict): retry with backoff."""


def requeue_after(seconds: float) -> Result:
    """Come back after `seconds` (for time-driven work: expiries, grace periods)."""
    return Result(requeue_after=seconds)


def object_key(obj: Any) -> str:
    """``namespace/name`` (``name`` when cluster-scoped), the key informers and queues use."""
    meta = obj.metadata
    return f"{meta.namespace}/{meta.name}" if meta.namespace else str(meta.name)


def owner_keys(kind: str) -> Callable[[Any], Iterable[str]]:
    """Map an object to the keys of its controlling owners of `kind` (pod -> its ReplicaSet)."""

    def keys(obj: Any) -> Iterable[str]:
        meta = obj.metadata
        for ref in meta.owner_references:
            if ref.kind == kind and ref.controller:
                yield f"{meta.namespace}/{ref.name}" if meta.namespace else str(ref.name)

    return keys


@attrs.frozen
class Watch:
    """One kind a controller watches, and which keys a change of such an object enqueues."""

    cls: type
    keys: Callable[[Any], Iterable[str]] = lambda obj: (object_key(obj),)
    """Keys to reconcile when an object of `cls` is added, updated or deleted."""
    namespace: str | None = None
    label_selector: str = ""
    field_selector: str = ""


@attrs.frozen
class ReconcileContext:
    """What a reconcile may use: its client, the informers of its watches, events, time."""

    client: Client
    informers: Sequence[Informer[Any]]
    """One per `Watch`, in the order `watches` gave them (read their `cache`)."""
    events: EventRecorder
    timers: Timers

    def informer(self, cls: type) -> Informer[Any]:
        """The first informer of kind `cls`."""
        for informer in self.informers:
            if informer.cls is cls:
                return informer
        raise KeyError(f"this controller watches no {cls.__name__}")


@runtime_checkable
class Reconciler(Protocol):
    """A controller: which kinds it watches, and how it reconciles one key."""

    name: str
    """Its name in logs, events (``source.component``) and metrics."""

    def watches(self) -> Sequence[Watch]:
        """The kinds to watch; the first is the primary kind (its keys are its objects)."""
        ...

    async def reconcile(self, key: str, ctx: ReconcileContext) -> Result:
        """Drive `key` toward its desired state; idempotent; raise or `REQUEUE` to retry."""
        ...


__all__ = [
    "DONE",
    "REQUEUE",
    "ReconcileContext",
    "Reconciler",
    "Result",
    "Watch",
    "object_key",
    "owner_keys",
    "requeue_after",
]
