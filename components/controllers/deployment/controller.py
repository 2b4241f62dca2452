"""The Deployment controller as a `Reconciler`: one pass of Kubernetes' syncDeployment per key.

Each reconcile claims the Deployment's ReplicaSets, finds (or makes) the one whose template is
the Deployment's (``<name>-<pod-template-hash>``, revision = highest old revision + 1), then
takes one step: a proportional resize when ``spec.replicas`` changed mid-rollout; else a
RollingUpdate step (grow the new set within maxSurge, shrink old ones within maxUnavailable)
or a Recreate step (old sets to 0, wait for their pods to go, then the new set to full size).
A finished rollout prunes old empty ReplicaSets beyond ``revisionHistoryLimit``. Status and
conditions are written last; every write carries the resourceVersion read, so a conflict
requeues instead of overwriting a newer change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs

from components.controllers.deployment.plan import (
    Sizes,
    active,
    fenceposts,
    is_rolling,
    is_scaling_event,
    new_replicas,
    proportional,
    replicas_of,
    scale_down_old,
)
from components.controllers.deployment.revisions import (
    HASH_LABEL,
    REVISION,
    annotated,
    copied_annotations,
    max_revision,
    revision,
    same_template,
    template_hash,
)
from components.controllers.deployment.status import (
    FOUND_NEW_RS,
    NEW_RS_CREATED,
    PROGRESSING,
    complete,
    condition,
    counts,
    make_condition,
    rollout_status,
    with_condition,
)
from components.controllers.ownership import claim, selects
from components.controllers.pods import controller_ref, owner_reference, stamp_seconds
from kernel.api.errors import AlreadyExists, Conflict, NotFound
from kernel.clock import Clock, WallClock
from kernel.controller import NORMAL
from kernel.informer import NAMESPACE_INDEX, Indexer, object_key
from kernel.interfaces.controller import (
    DONE,
    REQUEUE,
    ReconcileContext,
    Result,
    Watch,
    requeue_after,
)
from kernel.objects import (
    Deployment,
    DeploymentStatus,
    LabelSelector,
    ObjectMeta,
    Pod,
    ReplicaSet,
    ReplicaSetSpec,
)


class _Retry(Exception):  # noqa: N818 - control flow inside one reconcile, never escapes
    """A write conflicted or found something gone: requeue the key."""


def _name(rs: ReplicaSet) -> str:
    return rs.metadata.name or ""


class DeploymentController:
    """Kubernetes' Deployment controller."""

    name = "deployment-controller"

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock = clock or WallClock()
        """Wall time for condition timestamps and the progress deadline."""
        self._deployments: Indexer[Deployment] | None = None
        self._sets: Indexer[ReplicaSet] | None = None

    def watches(self) -> Sequence[Watch]:
        return [
            Watch(Deployment),
            Watch(ReplicaSet, keys=self._set_keys),
            Watch(Pod, keys=self._pod_keys),
        ]

    # ------------------------------------------------------------------ event -> key

    def _set_keys(self, rs: ReplicaSet) -> Iterator[str]:
        namespace = rs.metadata.namespace or ""
        ref = controller_ref(rs)
        if ref is not None:
            if ref.kind == "Deployment":
                yield f"{namespace}/{ref.name}"
            return
        if self._deployments is not None:
            for d in self._deployments.by_index(NAMESPACE_INDEX, namespace):
                if selects(d.spec.selector, rs):
                    yield object_key(d)

    def _pod_keys(self, pod: Pod) -> Iterator[str]:
        """A pod's Deployment (through its ReplicaSet): Recreate waits for old pods to go."""
        ref = controller_ref(pod)
        if ref is None or ref.kind != "ReplicaSet" or self._sets is None:
            return
        rs = self._sets.get_by_name(ref.name or "", pod.metadata.namespace or "")
        if rs is not None:
            yield from self._set_keys(rs)

    # ------------------------------------------------------------------ reconcile

    async def reconcile(self, key: str, ctx: ReconcileContext) -> Result:
        deployments, sets = ctx.informer(Deployment), ctx.informer(ReplicaSet)
        self._deployments, self._sets = deployments.cache, sets.cache
        d = deployments.cache.get(key)
        if d is None:
            return DONE
        try:
            return await self._sync(d, ctx)
        except (_Retry, Conflict):
            return REQUEUE
        except NotFound:
            return DONE

    async def _sync(self, d: Deployment, ctx: ReconcileContext) -> Result:
        namespace = d.metadata.namespace or ""
        candidates = ctx.informer(ReplicaSet).cache.by_index(NAMESPACE_INDEX, namespace)
        owned = await claim(ctx.client, d, d.spec.selector, candidates)
        new = next((rs for rs in owned if same_template(rs.spec.template, d.spec.template)), None)
        old = [rs for rs in owned if rs is not new]
        if d.metadata.deletion_timestamp is not None:
            return await self._write_status(d, owned, new, ctx)
        if d.spec.paused or is_scaling_event(d, [*old, new]):
            new, d = await self._sync_new(d, new, old, ctx, create=False)
            await self._resize(d, proportional(d, new, old), [*old, *([new] if new else [])], ctx)
            return await self._write_status(d, self._current(owned, new), new, ctx)
        if is_rolling(d):
            return await self._rolling(d, new, old, ctx)
        return await self._recreate(d, new, old, ctx)

    def _current(self, owned: list[ReplicaSet], new: ReplicaSet | None) -> list[ReplicaSet]:
        out = [rs for rs in owned if new is None or rs.metadata.uid != new.metadata.uid]
        return [*out, new] if new is not None else out

    async def _rolling(
        self, d: Deployment, new: ReplicaSet | None, old: list[ReplicaSet], ctx: ReconcileContext
    ) -> Result:
        new, d = await self._sync_new(d, new, old, ctx, create=True)
        assert new is not None
        all_sets = [*old, new]
        target = new_replicas(d, all_sets, new)
        if target != replicas_of(new):
            await self._resize(d, {_name(new): target}, all_sets, ctx)
            return await self._write_status(d, all_sets, new, ctx, changed={_name(new): target})
        sizes = scale_down_old(d, all_sets, active(old), new)
        if sizes:
            await self._resize(d, sizes, all_sets, ctx)
            return await self._write_status(d, all_sets, new, ctx, changed=sizes)
        return await self._finish(d, all_sets, new, old, ctx)

    async def _recreate(
        self, d: Deployment, new: ReplicaSet | None, old: list[ReplicaSet], ctx: ReconcileContext
    ) -> Result:
        new, d = await self._sync_new(d, new, old, ctx, create=False)
        all_sets = [*old, *([new] if new else [])]
        shrink = {_name(rs): 0 for rs in active(old)}
        if shrink:
            await self._resize(d, shrink, all_sets, ctx)
            return await self._write_status(d, all_sets, new, ctx, changed=shrink)
        if self._old_pods_running(old, ctx):
            return await self._write_status(d, all_sets, new, ctx)
        if new is None:
            new, d = await self._sync_new(d, new, old, ctx, create=True)
            assert new is not None
            all_sets = [*old, new]
        replicas = d.spec.replicas or 0
        if replicas_of(new) != replicas:
            await self._resize(d, {_name(new): replicas}, all_sets, ctx)
            return await self._write_status(d, all_sets, new, ctx, changed={_name(new): replicas})
        return await self._finish(d, all_sets, new, old, ctx)

    def _old_pods_running(self, old: list[ReplicaSet], ctx: ReconcileContext) -> bool:
        uids = {rs.metadata.uid for rs in old}
        for rs in old:
            if (rs.status.replicas or 0) > 0:
                return True
        for pod in ctx.informer(Pod).cache.by_index(NAMESPACE_INDEX, next(
            (rs.metadata.namespace or "" for rs in old), "")):  # fmt: skip
            ref = controller_ref(pod)
            if (
                ref is not None
                and ref.uid in uids
                and pod.status.phase not in ("Succeeded", "Failed")
            ):
                return True
        return False

    async def _finish(
        self,
        d: Deployment,
        all_sets: list[ReplicaSet],
        new: ReplicaSet,
        old: list[ReplicaSet],
        ctx: ReconcileContext,
    ) -> Result:
        status = counts(d, all_sets, new, self.clock.now())
        if complete(d, status):
            await self._clean_up(d, old, ctx)
        return await self._write_status(d, all_sets, new, ctx)

    # ------------------------------------------------------------------ the new ReplicaSet

    async def _sync_new(
        self,
        d: Deployment,
        new: ReplicaSet | None,
        old: list[ReplicaSet],
        ctx: ReconcileContext,
        *,
        create: bool,
    ) -> tuple[ReplicaSet | None, Deployment]:
        """The new ReplicaSet with fresh annotations (made when `create`), and the Deployment."""
        next_revision = max_revision(old) + 1
        surge = fenceposts(d)[0]
        if new is not None:
            annotations = annotated(new, d, next_revision, surge)
            if (
                annotations != new.metadata.annotations
                or new.spec.min_ready_seconds != d.spec.min_ready_seconds
            ):
                meta = attrs.evolve(new.metadata, annotations=annotations)
                spec = attrs.evolve(new.spec, min_ready_seconds=d.spec.min_ready_seconds)
                new = await ctx.client.update(attrs.evolve(new, metadata=meta, spec=spec))
            d = await self._set_revision(d, revision(new), ctx)
            if condition(d.status, PROGRESSING) is None:
                message = f'Found new replica set "{_name(new)}"'
                cond = make_condition(PROGRESSING, "True", FOUND_NEW_RS, message, self.clock.now())
                d = await ctx.client.update_status(
                    attrs.evolve(d, status=with_condition(d.status, cond))
                )
            return new, d
        if not create:
            return None, d
        made = await self._create_new(d, old, next_revision, surge, ctx)
        d = await self._set_revision(d, next_revision, ctx)
        message = f'Created new replica set "{_name(made)}"'
        cond = make_condition(PROGRESSING, "True", NEW_RS_CREATED, message, self.clock.now())
        d = await ctx.client.update_status(attrs.evolve(d, status=with_condition(d.status, cond)))
        return made, d

    async def _create_new(
        self,
        d: Deployment,
        old: list[ReplicaSet],
        next_revision: int,
        surge: int,
        ctx: ReconcileContext,
    ) -> ReplicaSet:
        assert d.spec.template is not None
        assert d.spec.selector is not None
        pod_hash = template_hash(d.spec.template, d.status.collision_count)
        labels = {**d.spec.template.metadata.labels, HASH_LABEL: pod_hash}
        template = attrs.evolve(
            d.spec.template, metadata=attrs.evolve(d.spec.template.metadata, labels=labels)
        )
        selector = LabelSelector(
            match_labels={**d.spec.selector.match_labels, HASH_LABEL: pod_hash},
            match_expressions=d.spec.selector.match_expressions,
        )
        replicas = d.spec.replicas or 0
        draft = ReplicaSet(
            metadata=ObjectMeta(
                name=f"{d.metadata.name}-{pod_hash}",
                namespace=d.metadata.namespace,
                labels=labels,
                annotations=copied_annotations(d),
                owner_references=(owner_reference(d),),
            ),
            spec=ReplicaSetSpec(
                replicas=0,
                min_ready_seconds=d.spec.min_ready_seconds,
                selector=selector,
                template=template,
            ),
        )
        size = new_replicas(d, old, None) if is_rolling(d) else replicas
        meta = attrs.evolve(draft.metadata, annotations=annotated(draft, d, next_revision, surge))
        draft = attrs.evolve(draft, metadata=meta, spec=attrs.evolve(draft.spec, replicas=size))
        try:
            made = await ctx.client.create(draft, namespace=d.metadata.namespace)
        except AlreadyExists:
            existing = await ctx.client.get(
                ReplicaSet, draft.metadata.name or "", d.metadata.namespace or ""
            )
            ref = controller_ref(existing)
            if (
                ref is not None
                and ref.uid == d.metadata.uid
                and same_template(existing.spec.template, d.spec.template)
            ):
                return existing
            collisions = (d.status.collision_count or 0) + 1  # a hash collision: rehash next time
            await ctx.client.update_status(
                attrs.evolve(d, status=attrs.evolve(d.status, collision_count=collisions))
            )
            raise _Retry from None
        if size:
            ctx.events.event(
                d,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled up replica set {_name(made)} from 0 to {size}",
            )
        return made

    async def _set_revision(self, d: Deployment, rev: int, ctx: ReconcileContext) -> Deployment:
        if d.metadata.annotations.get(REVISION) == str(rev):
            return d
        patch = {
            "metadata": {
                "annotations": {REVISION: str(rev)},
                "resourceVersion": d.metadata.resource_version,
            }
        }
        return await ctx.client.patch(
            Deployment, d.metadata.name or "", patch, namespace=d.metadata.namespace or ""
        )

    # ------------------------------------------------------------------ writes

    async def _resize(
        self, d: Deployment, sizes: Sizes, sets: Sequence[ReplicaSet], ctx: ReconcileContext
    ) -> None:
        surge = fenceposts(d)[0]
        for rs in sets:
            name = _name(rs)
            if name not in sizes:
                continue
            size = sizes[name]
            annotations = annotated(rs, d, None, surge)
            if size == replicas_of(rs) and annotations == rs.metadata.annotations:
                continue
            updated = attrs.evolve(
                rs,
                metadata=attrs.evolve(rs.metadata, annotations=annotations),
                spec=attrs.evolve(rs.spec, replicas=size),
            )
            await ctx.client.update(updated)
            if size != replicas_of(rs):
                way = "up" if size > replicas_of(rs) else "down"
                message = f"Scaled {way} replica set {name} from {replicas_of(rs)} to {size}"
                ctx.events.event(d, NORMAL, "ScalingReplicaSet", message)

    async def _clean_up(self, d: Deployment, old: list[ReplicaSet], ctx: ReconcileContext) -> None:
        """Delete old empty ReplicaSets beyond revisionHistoryLimit, oldest revision first."""
        limit = d.spec.revision_history_limit
        if limit is None:
            return
        alive = [rs for rs in old if rs.metadata.deletion_timestamp is None]
        extra = len(alive) - limit
        if extra <= 0:
            return
        for rs in sorted(
            alive, key=lambda rs: (revision(rs), rs.metadata.creation_timestamp or "")
        )[:extra]:
            busy = (rs.status.replicas or 0) or replicas_of(rs)
            stale = (rs.metadata.generation or 0) > (rs.status.observed_generation or 0)
            if busy or stale:
                continue
            try:
                await ctx.client.delete(
                    ReplicaSet, _name(rs), rs.metadata.namespace or "", uid=rs.metadata.uid
                )
            except (NotFound, Conflict):
                continue

    async def _write_status(
        self,
        d: Deployment,
        sets: Sequence[ReplicaSet],
        new: ReplicaSet | None,
        ctx: ReconcileContext,
        changed: Sizes | None = None,
    ) -> Result:
        """Write counts and conditions; come back when the progress deadline could pass."""
        now = self.clock.now()
        if changed:  # what this pass asked for counts toward progress on the next pass
            sets = [
                attrs.evolve(
                    rs, spec=attrs.evolve(rs.spec, replicas=changed.get(_name(rs), replicas_of(rs)))
                )
                for rs in sets
            ]
        status = counts(d, list(sets), new, now)
        if not d.spec.paused:
            status = rollout_status(d, status, new, now)
        if status != d.status:
            await ctx.client.update_status(attrs.evolve(d, status=status))
        return self._requeue_stuck(d, status, now)

    def _requeue_stuck(self, d: Deployment, status: DeploymentStatus, now: float) -> Result:
        deadline = d.spec.progress_deadline_seconds
        cond = condition(status, PROGRESSING)
        if deadline is None or cond is None or complete(d, status) or d.spec.paused:
            return DONE
        if cond.status != "True":
            return DONE
        since = stamp_seconds(cond.last_update_time) or now
        return requeue_after(max(1.0, since + deadline - now + 1.0))


__all__ = ["DeploymentController"]
