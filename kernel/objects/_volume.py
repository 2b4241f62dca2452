"""Pod volumes: emptyDir, hostPath, configMap, secret, persistentVolumeClaim, projected, ...

Rarely used in-tree cloud volume types are accepted and kept opaque, so real manifests load.
"""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import Any

import attrs

from ._container import ObjectFieldSelector, ResourceFieldSelector
from ._meta import LocalObjectReference
from ._quantity import Quantity
from ._schema import Int64, many, mapping, opt

__all__ = [
    "CSIVolumeSource",
    "ConfigMapProjection",
    "ConfigMapVolumeSource",
    "DownwardAPIProjection",
    "DownwardAPIVolumeFile",
    "DownwardAPIVolumeSource",
    "EmptyDirVolumeSource",
    "EphemeralVolumeSource",
    "HostPathVolumeSource",
    "ImageVolumeSource",
    "KeyToPath",
    "NFSVolumeSource",
    "PersistentVolumeClaimVolumeSource",
    "ProjectedVolumeSource",
    "SecretProjection",
    "SecretVolumeSource",
    "ServiceAccountTokenProjection",
    "Volume",
    "VolumeProjection",
]


@attrs.frozen(kw_only=True)
class KeyToPath:
    """Projects one key to a relative file path."""

    key: str | None = opt()
    path: str | None = opt()
    mode: int | None = opt()
    user: Any = opt()


@attrs.frozen(kw_only=True)
class EmptyDirVolumeSource:
    """A scratch directory that lives as long as the pod."""

    medium: str | None = opt()
    size_limit: Quantity | None = opt()
    mode: Any = opt()


@attrs.frozen(kw_only=True)
class HostPathVolumeSource:
    """A path on the node."""

    path: str | None = opt()
    type: str | None = opt()


@attrs.frozen(kw_only=True)
class ConfigMapVolumeSource:
    """A ConfigMap's keys as files."""

    name: str | None = opt()
    items: tuple[KeyToPath, ...] = many()
    default_mode: int | None = opt()
    optional: bool | None = opt()
    default_user: Any = opt()


@attrs.frozen(kw_only=True)
class SecretVolumeSource:
    """A Secret's keys as files."""

    secret_name: str | None = opt()
    items: tuple[KeyToPath, ...] = many()
    default_mode: int | None = opt()
    optional: bool | None = opt()
    default_user: Any = opt()


@attrs.frozen(kw_only=True)
class PersistentVolumeClaimVolumeSource:
    """A persistent volume claimed by name."""

    claim_name: str | None = opt()
    read_only: bool | None = opt()


@attrs.frozen(kw_only=True)
class DownwardAPIVolumeFile:
    """One file of pod or container information."""

    path: str | None = opt()
    field_ref: ObjectFieldSelector | None = opt()
    resource_field_ref: ResourceFieldSelector | None = opt()
    mode: int | None = opt()
    user: Any = opt()


@attrs.frozen(kw_only=True)
class DownwardAPIVolumeSource:
    """Pod and container information as files."""

    items: tuple[DownwardAPIVolumeFile, ...] = many()
    default_mode: int | None = opt()
    default_user: Any = opt()


@attrs.frozen(kw_only=True)
class ServiceAccountTokenProjection:
    """A bound service account token."""

    audience: str | None = opt()
    expiration_seconds: Int64 | None = opt()
    path: str | None = opt()
    user: Any = opt()


@attrs.frozen(kw_only=True)
class ConfigMapProjection:
    """A ConfigMap inside a projected volume."""

    name: str | None = opt()
    items: tuple[KeyToPath, ...] = many()
    optional: bool | None = opt()


@attrs.frozen(kw_only=True)
class SecretProjection:
    """A Secret inside a projected volume."""

    name: str | None = opt()
    items: tuple[KeyToPath, ...] = many()
    optional: bool | None = opt()


@attrs.frozen(kw_only=True)
class DownwardAPIProjection:
    """Downward API files inside a projected volume."""

    items: tuple[DownwardAPIVolumeFile, ...] = many()


@attrs.frozen(kw_only=True)
class VolumeProjection:
    """One source of a projected volume."""

    secret: SecretProjection | None = opt()
    downward_api: DownwardAPIProjection | None = opt(wire="downwardAPI")
    config_map: ConfigMapProjection | None = opt()
    service_account_token: ServiceAccountTokenProjection | None = opt()
    cluster_trust_bundle: Any = opt()
    pod_certificate: Any = opt()


@attrs.frozen(kw_only=True)
class ProjectedVolumeSource:
    """Several sources merged into one directory (service account tokens use this)."""

    sources: tuple[VolumeProjection, ...] = many()
    default_mode: int | None = opt()
    default_user: Any = opt()


@attrs.frozen(kw_only=True)
class NFSVolumeSource:
    """An NFS export."""

    server: str | None = opt()
    path: str | None = opt()
    read_only: bool | None = opt()


@attrs.frozen(kw_only=True)
class CSIVolumeSource:
    """An inline CSI volume."""

    driver: str | None = opt()
    read_only: bool | None = opt()
    fs_type: str | None = opt()
    volume_attributes: dict[str, str] = mapping()
    node_publish_secret_ref: LocalObjectReference | None = opt()


@attrs.frozen(kw_only=True)
class EphemeralVolumeSource:
    """A volume claimed per pod from a template (kept opaque)."""

    volume_claim_template: Any = opt()


@attrs.frozen(kw_only=True)
class ImageVolumeSource:
    """An OCI image mounted as a volume."""

    reference: str | None = opt()
    pull_policy: str | None = opt()


@attrs.frozen(kw_only=True)
class Volume:
    """A named volume of a pod; exactly one source should be set."""

    name: str | None = opt()
    host_path: HostPathVolumeSource | None = opt()
    empty_dir: EmptyDirVolumeSource | None = opt()
    secret: SecretVolumeSource | None = opt()
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = opt()
    config_map: ConfigMapVolumeSource | None = opt()
    projected: ProjectedVolumeSource | None = opt()
    downward_api: DownwardAPIVolumeSource | None = opt(wire="downwardAPI")
    nfs: NFSVolumeSource | None = opt()
    csi: CSIVolumeSource | None = opt()
    ephemeral: EphemeralVolumeSource | None = opt()
    image: ImageVolumeSource | None = opt()
    # In-tree and deprecated sources: accepted and kept as given.
    aws_elastic_block_store: Any = opt()
    gce_persistent_disk: Any = opt()
    git_repo: Any = opt()
    glusterfs: Any = opt()
    iscsi: Any = opt()
    rbd: Any = opt()
    flex_volume: Any = opt()
    cinder: Any = opt()
    cephfs: Any = opt()
    flocker: Any = opt()
    fc: Any = opt()
    azure_file: Any = opt()
    azure_disk: Any = opt()
    vsphere_volume: Any = opt()
    quobyte: Any = opt()
    photon_persistent_disk: Any = opt()
    portworx_volume: Any = opt()
    scale_io: Any = opt(wire="scaleIO")
    storageos: Any = opt()

    def source_names(self) -> list[str]:
        """Wire names of the sources that are set (validation wants exactly one)."""
        from ._schema import wire_fields

        return [
            wire
            for attr, wire in wire_fields(Volume).items()
            if attr != "name" and getattr(self, attr) is not None
        ]
