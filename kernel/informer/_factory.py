"""`SharedInformerFactory`: one list+watch per resource and selector per process.

Six controllers that each want pods share one `Informer` (and one watch on the server) by
asking the factory; handlers are added to the shared informer. As client-go's factory, the
informers requested before `run` start together; any requested later starts at once.
"""

from __future__ import annotations

from typing import Any, TypeVar

import trio

from kernel.client.protocol import Client
from kernel.clock import TRIO_TIMERS, Timers
from kernel.informer._informer import Informer
from kernel.objects import KubeObject

T = TypeVar("T", bound=KubeObject)
_Key = tuple[type, str | None, str, str]


class SharedInformerFactory:
    """Hands out shared informers of one client, keyed by (class, namespace, selectors)."""

    def __init__(self, client: Client, *, timers: Timers = TRIO_TIMERS) -> None:
        self.client = client
        self.timers = timers
        self._informers: dict[_Key, Informer[Any]] = {}
        self._started: set[_Key] = set()
        self._nursery: trio.Nursery | None = None

    def informer(
        self,
        cls: type[T],
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
    ) -> Informer[T]:
        """The shared informer for these arguments (created on first request)."""
        key: _Key = (cls, namespace, label_selector, field_selector)
        found = self._informers.get(key)
        if found is None:
            found = Informer(
                self.client,
                cls,
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                timers=self.timers,
            )
            self._informers[key] = found
            if self._nursery is not None:
                self._start(key)
        return found

    @property
    def informers(self) -> list[Informer[Any]]:
        """Every informer handed out so far, in request order."""
        return list(self._informers.values())

    async def wait_synced(self) -> None:
        """Wait until every informer handed out so far has its first list."""
        for informer in list(self._informers.values()):
            await informer.wait_synced()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run every informer until cancelled; ``await nursery.start(factory.run)``."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            for key in list(self._informers):
                self._start(key)
            task_status.started()
            try:
                await trio.sleep_forever()
            finally:
                self._nursery = None
                self._started.clear()

    def _start(self, key: _Key) -> None:
        if key in self._started or self._nursery is None:
            return
        self._started.add(key)
        self._nursery.start_soon(self._informers[key].run)


__all__ = ["SharedInformerFactory"]
