"""`TypedClient`: the `Client` interface implemented once over any `RawAPI`.

Both `HTTPClient` and `InProcessClient` are a `TypedClient` over their raw transport, which is
what makes them behave identically: only the transport differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from kernel.api.patch_types import MERGE_PATCH
from kernel.api.requests import DeleteOptions, ListOptions, PropagationPolicy, Target
from kernel.client.raw import RawAPI
from kernel.client.types import ObjectList, Scale, T
from kernel.client.watch import EventStream, _typed
from kernel.objects import KubeObject, ResourceInfo, decode, resource_for_kind, to_dict


def resource_of(cls: type[KubeObject]) -> ResourceInfo:
    """The resource serving a class (``Pod`` -> pods)."""
    return resource_for_kind(cls.KIND)


class TypedClient:
    """Typed verbs over a raw transport; see `kernel.client.protocol.Client` for the contract."""

    def __init__(self, raw: RawAPI) -> None:
        self.raw = raw

    # -------------------------------------------------------------- helpers

    @staticmethod
    def _target(
        kind: type[KubeObject], namespace: str | None, name: str = "", subresource: str = ""
    ) -> Target:
        info = resource_of(kind)
        return Target(info, (namespace or "") if info.namespaced else "", name, subresource)

    @staticmethod
    def _decode(kind: type[T], data: dict[str, Any]) -> T:
        return decode(kind, _typed(kind, data))

    @staticmethod
    def _namespace_of(obj: KubeObject, namespace: str | None) -> str:
        return namespace or obj.metadata.namespace or "default"

    # -------------------------------------------------------------- verbs

    async def create(self, obj: T, *, namespace: str | None = None, dry_run: bool = False) -> T:
        cls = type(obj)
        target = self._target(cls, self._namespace_of(obj, namespace))
        return self._decode(cls, await self.raw.create(target, to_dict(obj), dry_run=dry_run))

    async def get(self, cls: type[T], name: str, namespace: str = "default") -> T:
        return self._decode(cls, await self.raw.get(self._target(cls, namespace, name)))

    async def list(
        self,
        cls: type[T],
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
        resource_version: str | None = None,
    ) -> ObjectList[T]:
        opts = ListOptions(
            label_selector, field_selector, resource_version, "", limit, continue_token
        )
        data = await self.raw.list(self._target(cls, namespace), opts)
        meta = data.get("metadata") or {}
        return ObjectList(
            [self._decode(cls, i) for i in data.get("items") or []],
            str(meta.get("resourceVersion", "")),
            meta.get("continue", ""),
            meta.get("remainingItemCount"),
        )

    @asynccontextmanager
    async def watch(
        self,
        cls: type[T],
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
        bookmarks: bool = False,
        timeout: float | None = None,
    ) -> AsyncIterator[EventStream[T]]:
        opts = ListOptions(label_selector, field_selector, resource_version)
        async with self.raw.watch(
            self._target(cls, namespace), opts, bookmarks=bookmarks, timeout=timeout
        ) as events:
            yield EventStream(cls, events)

    async def update(self, obj: T, *, dry_run: bool = False) -> T:
        cls = type(obj)
        target = self._target(cls, self._namespace_of(obj, None), obj.metadata.name or "")
        return self._decode(cls, await self.raw.update(target, to_dict(obj), dry_run=dry_run))

    async def update_status(self, obj: T) -> T:
        cls = type(obj)
        target = self._target(cls, self._namespace_of(obj, None), obj.metadata.name or "", "status")
        return self._decode(cls, await self.raw.update(target, to_dict(obj)))

    async def patch(
        self,
        cls: type[T],
        name: str,
        patch: Any,
        *,
        namespace: str = "default",
        patch_type: str = MERGE_PATCH,
        subresource: str = "",
    ) -> T:
        target = self._target(cls, namespace, name, subresource)
        return self._decode(cls, await self.raw.patch(target, patch_type, patch))

    async def delete(
        self,
        cls: type[T],
        name: str,
        namespace: str = "default",
        *,
        grace_period_seconds: int | None = None,
        propagation_policy: PropagationPolicy | None = None,
        uid: str | None = None,
        resource_version: str | None = None,
    ) -> T | None:
        options = DeleteOptions(
            grace_period_seconds, propagation_policy, None, uid, resource_version
        )
        body, gone = await self.raw.delete(self._target(cls, namespace, name), options)
        if gone or body.get("kind") == "Status":
            return None
        return self._decode(cls, body)

    async def bind(self, pod_name: str, node_name: str, namespace: str = "default") -> None:
        info = resource_for_kind("Pod")
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod_name, "namespace": namespace},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
        }
        await self.raw.create(Target(info, namespace, pod_name, "binding"), body)

    async def get_scale(self, cls: type[T], name: str, namespace: str = "default") -> Scale:
        return Scale.from_wire(await self.raw.get(self._target(cls, namespace, name, "scale")))

    async def update_scale(
        self,
        cls: type[T],
        name: str,
        replicas: int,
        namespace: str = "default",
        *,
        resource_version: str | None = None,
    ) -> Scale:
        meta: dict[str, Any] = {"name": name, "namespace": namespace}
        if resource_version is not None:
            meta["resourceVersion"] = resource_version
        body = {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": meta,
            "spec": {"replicas": replicas},
        }
        target = self._target(cls, namespace, name, "scale")
        return Scale.from_wire(await self.raw.update(target, body))


__all__ = ["MERGE_PATCH", "TypedClient", "resource_of"]
