"""Revisions and identity of a Deployment's ReplicaSets: annotations, pod-template-hash.

A ReplicaSet's ``deployment.kubernetes.io/revision`` says which rollout made it; the newest is
the Deployment's revision too. ``pod-template-hash`` (an FNV-1a hash of the pod template and
``status.collisionCount``, spelled in Kubernetes' vowel-free alphabet) names the ReplicaSet
(``<deployment>-<hash>``) and labels its pods, so two templates never share pods.
"""

from __future__ import annotations

import json

import attrs

from kernel.objects import Deployment, PodTemplateSpec, ReplicaSet, to_dict

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE = "kubernetes.io/change-cause"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
HASH_LABEL = "pod-template-hash"
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""rand.SafeEncodeString's alphabet: no vowels, no look-alikes, so no words by accident."""
_NOT_COPIED = frozenset({REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, LAST_APPLIED})


def _fnv1a32(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def template_hash(template: PodTemplateSpec, collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` of `template` (plus the collision count, when set)."""
    data = json.dumps(to_dict(without_hash(template)), sort_keys=True, separators=(",", ":"))
    raw = data.encode()
    if collision_count is not None:
        raw += collision_count.to_bytes(4, "little")
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in str(_fnv1a32(raw)))


def without_hash(template: PodTemplateSpec) -> PodTemplateSpec:
    """`template` without the pod-template-hash label (how templates are compared)."""
    labels = {k: v for k, v in template.metadata.labels.items() if k != HASH_LABEL}
    return attrs.evolve(template, metadata=attrs.evolve(template.metadata, labels=labels))


def same_template(a: PodTemplateSpec | None, b: PodTemplateSpec | None) -> bool:
    """Equal apart from pod-template-hash (Kubernetes' EqualIgnoreHash)."""
    if a is None or b is None:
        return a is b
    return to_dict(without_hash(a)) == to_dict(without_hash(b))


def revision(rs: ReplicaSet) -> int:
    """The ReplicaSet's revision (0 when unset or not a number)."""
    try:
        return int(rs.metadata.annotations.get(REVISION, "0"))
    except ValueError:
        return 0


def max_revision(sets: list[ReplicaSet]) -> int:
    """The highest revision among `sets` (0 for none)."""
    return max((revision(rs) for rs in sets), default=0)


def int_annotation(rs: ReplicaSet, name: str) -> int | None:
    """An integer annotation of `rs`, or None when absent or malformed."""
    try:
        return int(rs.metadata.annotations[name])
    except (KeyError, ValueError):
        return None


def copied_annotations(deployment: Deployment) -> dict[str, str]:
    """The Deployment's annotations a new ReplicaSet inherits (change-cause and the like)."""
    return {k: v for k, v in deployment.metadata.annotations.items() if k not in _NOT_COPIED}


def annotated(
    rs: ReplicaSet, deployment: Deployment, new_revision: int | None, max_surge: int
) -> dict[str, str]:
    """`rs`'s annotations with the desired/max replicas (and a newer revision, when given)."""
    out = dict(rs.metadata.annotations)
    replicas = deployment.spec.replicas or 0
    out[DESIRED_REPLICAS] = str(replicas)
    out[MAX_REPLICAS] = str(replicas + max_surge)
    if new_revision is not None:
        old = revision(rs)
        if old < new_revision:
            if old:
                history = [h for h in out.get(REVISION_HISTORY, "").split(",") if h]
                out[REVISION_HISTORY] = ",".join([*history, str(old)])
            out[REVISION] = str(new_revision)
            if CHANGE_CAUSE in deployment.metadata.annotations:
                out[CHANGE_CAUSE] = deployment.metadata.annotations[CHANGE_CAUSE]
    return out


__all__ = [
    "CHANGE_CAUSE",
    "DESIRED_REPLICAS",
    "HASH_LABEL",
    "MAX_REPLICAS",
    "REVISION",
    "REVISION_HISTORY",
    "annotated",
    "copied_annotations",
    "int_annotation",
    "max_revision",
    "revision",
    "same_template",
    "template_hash",
    "without_hash",
]
