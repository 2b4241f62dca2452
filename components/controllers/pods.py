"""What controllers ask of a pod: active, ready, available, and the pod a template stamps out."""

from __future__ import annotations

from kernel.objects import (
    KubeObject,
    ObjectMeta,
    OwnerReference,
    Pod,
    PodTemplateSpec,
    parse_time,
)

TERMINAL_PHASES = ("Succeeded", "Failed")


def is_active(pod: Pod) -> bool:
    """Counts toward replicas: not finished and not being deleted (Kubernetes' IsPodActive)."""
    return pod.status.phase not in TERMINAL_PHASES and pod.metadata.deletion_timestamp is None


def is_terminating(pod: Pod) -> bool:
    """Being deleted but not finished (counted in ``status.terminatingReplicas``)."""
    return pod.metadata.deletion_timestamp is not None and pod.status.phase not in TERMINAL_PHASES


def ready_since(pod: Pod) -> float | None:
    """Unix seconds the Ready condition last turned True, or None when the pod is not ready."""
    for cond in pod.status.conditions:
        if cond.type == "Ready":
            if cond.status != "True":
                return None
            stamp = cond.last_transition_time
            return parse_time(stamp).timestamp() if stamp else 0.0
    return None


def stamp_seconds(stamp: str | None) -> float | None:
    """Unix seconds of a Kubernetes timestamp (None stays None)."""
    return parse_time(stamp).timestamp() if stamp else None


def is_ready(pod: Pod) -> bool:
    """The pod's Ready condition is True."""
    return ready_since(pod) is not None


def is_available(pod: Pod, min_ready_seconds: int, now: float) -> bool:
    """Ready for at least `min_ready_seconds` at wall time `now` (Kubernetes' IsPodAvailable)."""
    since = ready_since(pod)
    if since is None:
        return False
    return min_ready_seconds <= 0 or since + min_ready_seconds <= now


def controller_ref(obj: KubeObject) -> OwnerReference | None:
    """The owner reference with ``controller: true``, if any."""
    for ref in obj.metadata.owner_references:
        if ref.controller:
            return ref
    return None


def owner_reference(owner: KubeObject) -> OwnerReference:
    """A controlling, deletion-blocking reference to `owner` (what a controller stamps)."""
    return OwnerReference(
        api_version=owner.API_VERSION,
        kind=owner.KIND,
        name=owner.metadata.name,
        uid=owner.metadata.uid,
        controller=True,
        block_owner_deletion=True,
    )


def pod_from_template(template: PodTemplateSpec, owner: KubeObject) -> Pod:
    """A new pod from `template`, named ``<owner>-<random>`` and controlled by `owner`."""
    meta = template.metadata
    return Pod(
        metadata=ObjectMeta(
            generate_name=f"{owner.metadata.name}-",
            namespace=owner.metadata.namespace,
            labels=dict(meta.labels),
            annotations=dict(meta.annotations),
            finalizers=meta.finalizers,
            owner_references=(owner_reference(owner),),
        ),
        spec=template.spec,
    )


__all__ = [
    "TERMINAL_PHASES",
    "controller_ref",
    "is_active",
    "is_available",
    "is_ready",
    "is_terminating",
    "owner_reference",
    "pod_from_template",
    "ready_since",
    "stamp_seconds",
]
