"""Containers: image, command, env, ports, resources, probes, lifecycle and security context."""

# Field helpers (opt, many, ...) return attrs field specs, not shared default values.
# ruff: noqa: RUF009

from __future__ import annotations

from typing import Any

import attrs

from ._quantity import IntOrString, Quantity
from ._schema import Int64, int_or_string, many, opt, quantities

__all__ = [
    "AppArmorProfile",
    "Capabilities",
    "ConfigMapEnvSource",
    "ConfigMapKeySelector",
    "Container",
    "ContainerPort",
    "ContainerResizePolicy",
    "EnvFromSource",
    "EnvVar",
    "EnvVarSource",
    "EphemeralContainer",
    "ExecAction",
    "GRPCAction",
    "HTTPGetAction",
    "HTTPHeader",
    "Lifecycle",
    "LifecycleHandler",
    "ObjectFieldSelector",
    "Probe",
    "ResourceClaim",
    "ResourceFieldSelector",
    "ResourceRequirements",
    "SELinuxOptions",
    "SeccompProfile",
    "SecretEnvSource",
    "SecretKeySelector",
    "SecurityContext",
    "SleepAction",
    "TCPSocketAction",
    "VolumeDevice",
    "VolumeMount",
    "WindowsSecurityContextOptions",
]


@attrs.frozen(kw_only=True)
class ObjectFieldSelector:
    """Selects a field of the pod (``metadata.name``, ``status.podIP``) for env or downward API."""

    api_version: str | None = opt()
    field_path: str | None = opt()


@attrs.frozen(kw_only=True)
class ResourceFieldSelector:
    """Selects a container resource (``limits.cpu``) for env or downward API."""

    container_name: str | None = opt()
    resource: str | None = opt()
    divisor: Quantity | None = opt()


@attrs.frozen(kw_only=True)
class ConfigMapKeySelector:
    """One key of a ConfigMap."""

    name: str | None = opt()
    key: str | None = opt()
    optional: bool | None = opt()


@attrs.frozen(kw_only=True)
class SecretKeySelector:
    """One key of a Secret."""

    name: str | None = opt()
    key: str | None = opt()
    optional: bool | None = opt()


@attrs.frozen(kw_only=True)
class EnvVarSource:
    """Where an environment variable's value comes from when it is not literal."""

    field_ref: ObjectFieldSelector | None = opt()
    resource_field_ref: ResourceFieldSelector | None = opt()
    config_map_key_ref: ConfigMapKeySelector | None = opt()
    secret_key_ref: SecretKeySelector | None = opt()
    file_key_ref: Any = opt()


@attrs.frozen(kw_only=True)
class EnvVar:
    """An environment variable: a literal ``value`` or a ``valueFrom`` source."""

    name: str | None = opt()
    value: str | None = opt()
    value_from: EnvVarSource | None = opt()


@attrs.frozen(kw_only=True)
class ConfigMapEnvSource:
    """All keys of a ConfigMap as environment variables."""

    name: str | None = opt()
    optional: bool | None = opt()


@attrs.frozen(kw_only=True)
class SecretEnvSource:
    """All keys of a Secret as environment variables."""

    name: str | None = opt()
    optional: bool | None = opt()


@attrs.frozen(kw_only=True)
class EnvFromSource:
    """One ``envFrom`` entry."""

    prefix: str | None = opt()
    config_map_ref: ConfigMapEnvSource | None = opt()
    secret_ref: SecretEnvSource | None = opt()


@attrs.frozen(kw_only=True)
class ContainerPort:
    """A port the container listens on."""

    name: str | None = opt()
    host_port: int | None = opt()
    container_port: int | None = opt()
    protocol: str | None = opt()
    """TCP (default), UDP or SCTP."""
    host_ip: str | None = opt()


@attrs.frozen(kw_only=True)
class ResourceClaim:
    """A reference to one of the pod's resource claims."""

    name: str | None = opt()
    request: str | None = opt()


@attrs.frozen(kw_only=True)
class ResourceRequirements:
    """Requests (what the scheduler reserves) and limits (what the runtime enforces)."""

    limits: dict[str, Quantity] = quantities()
    requests: dict[str, Quantity] = quantities()
    claims: tuple[ResourceClaim, ...] = many()


@attrs.frozen(kw_only=True)
class VolumeMount:
    """Mounts a pod volume into the container's filesystem."""

    name: str | None = opt()
    read_only: bool | None = opt()
    recursive_read_only: str | None = opt()
    mount_path: str | None = opt()
    sub_path: str | None = opt()
    mount_propagation: str | None = opt()
    sub_path_expr: str | None = opt()
    bind_mount_options: Any = opt()


@attrs.frozen(kw_only=True)
class VolumeDevice:
    """Maps a raw block volume to a device path."""

    name: str | None = opt()
    device_path: str | None = opt()


@attrs.frozen(kw_only=True)
class ExecAction:
    """Run a command in the container; exit status 0 is success."""

    command: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class HTTPHeader:
    """A header sent by an HTTP probe."""

    name: str | None = opt()
    value: str | None = opt()


@attrs.frozen(kw_only=True)
class HTTPGetAction:
    """An HTTP GET against the pod; 2xx/3xx is success."""

    path: str | None = opt()
    port: IntOrString | None = int_or_string()
    host: str | None = opt()
    scheme: str | None = opt()
    http_headers: tuple[HTTPHeader, ...] = many()
    protocol: Any = opt()


@attrs.frozen(kw_only=True)
class TCPSocketAction:
    """A TCP connect to the pod; an open connection is success."""

    port: IntOrString | None = int_or_string()
    host: str | None = opt()


@attrs.frozen(kw_only=True)
class GRPCAction:
    """A gRPC health check."""

    port: int | None = opt()
    service: str | None = opt()
    mode: Any = opt()


@attrs.frozen(kw_only=True)
class SleepAction:
    """Sleep for a number of seconds (lifecycle hooks)."""

    seconds: Int64 | None = opt()


@attrs.frozen(kw_only=True)
class Probe:
    """A liveness, readiness or startup check and its timing."""

    exec: ExecAction | None = opt()
    http_get: HTTPGetAction | None = opt()
    tcp_socket: TCPSocketAction | None = opt()
    grpc: GRPCAction | None = opt()
    initial_delay_seconds: int | None = opt()
    timeout_seconds: int | None = opt()
    period_seconds: int | None = opt()
    success_threshold: int | None = opt()
    failure_threshold: int | None = opt()
    termination_grace_period_seconds: Int64 | None = opt()


@attrs.frozen(kw_only=True)
class LifecycleHandler:
    """What a postStart or preStop hook does."""

    exec: ExecAction | None = opt()
    http_get: HTTPGetAction | None = opt()
    tcp_socket: TCPSocketAction | None = opt()
    sleep: SleepAction | None = opt()


@attrs.frozen(kw_only=True)
class Lifecycle:
    """Hooks run right after a container starts and right before it stops."""

    post_start: LifecycleHandler | None = opt()
    pre_stop: LifecycleHandler | None = opt()
    stop_signal: str | None = opt()


@attrs.frozen(kw_only=True)
class Capabilities:
    """Linux capabilities to add and drop."""

    add: tuple[str, ...] = many()
    drop: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class SELinuxOptions:
    """SELinux labels."""

    user: str | None = opt()
    role: str | None = opt()
    type: str | None = opt()
    level: str | None = opt()


@attrs.frozen(kw_only=True)
class SeccompProfile:
    """Seccomp profile: RuntimeDefault, Unconfined or Localhost."""

    type: str | None = opt()
    localhost_profile: str | None = opt()


@attrs.frozen(kw_only=True)
class AppArmorProfile:
    """AppArmor profile: RuntimeDefault, Unconfined or Localhost."""

    type: str | None = opt()
    localhost_profile: str | None = opt()


@attrs.frozen(kw_only=True)
class WindowsSecurityContextOptions:
    """Windows-specific security options."""

    gmsa_credential_spec_name: str | None = opt()
    gmsa_credential_spec: str | None = opt()
    run_as_user_name: str | None = opt()
    host_process: bool | None = opt()


@attrs.frozen(kw_only=True)
class SecurityContext:
    """Per-container security settings."""

    capabilities: Capabilities | None = opt()
    privileged: bool | None = opt()
    se_linux_options: SELinuxOptions | None = opt()
    windows_options: WindowsSecurityContextOptions | None = opt()
    run_as_user: Int64 | None = opt()
    run_as_group: Int64 | None = opt()
    run_as_non_root: bool | None = opt()
    read_only_root_filesystem: bool | None = opt()
    allow_privilege_escalation: bool | None = opt()
    proc_mount: str | None = opt()
    seccomp_profile: SeccompProfile | None = opt()
    app_armor_profile: AppArmorProfile | None = opt()


@attrs.frozen(kw_only=True)
class ContainerResizePolicy:
    """Whether resizing a resource restarts the container."""

    resource_name: str | None = opt()
    restart_policy: str | None = opt()


@attrs.frozen(kw_only=True)
class Container:
    """One container of a pod: what to run and how."""

    name: str | None = opt()
    image: str | None = opt()
    command: tuple[str, ...] = many()
    args: tuple[str, ...] = many()
    working_dir: str | None = opt()
    ports: tuple[ContainerPort, ...] = many()
    env_from: tuple[EnvFromSource, ...] = many()
    env: tuple[EnvVar, ...] = many()
    resources: ResourceRequirements | None = opt()
    resize_policy: tuple[ContainerResizePolicy, ...] = many()
    restart_policy: str | None = opt()
    """Only ``Always`` on init containers (sidecars)."""
    volume_mounts: tuple[VolumeMount, ...] = many()
    volume_devices: tuple[VolumeDevice, ...] = many()
    liveness_probe: Probe | None = opt()
    readiness_probe: Probe | None = opt()
    startup_probe: Probe | None = opt()
    lifecycle: Lifecycle | None = opt()
    termination_message_path: str | None = opt()
    termination_message_policy: str | None = opt()
    image_pull_policy: str | None = opt()
    security_context: SecurityContext | None = opt()
    stdin: bool | None = opt()
    stdin_once: bool | None = opt()
    tty: bool | None = opt()
    restart_policy_rules: tuple[Any, ...] = many()


@attrs.frozen(kw_only=True)
class EphemeralContainer(Container):
    """A debugging container added to a running pod (``kubectl debug``)."""

    target_container_name: str | None = opt()
