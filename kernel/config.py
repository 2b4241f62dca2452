"""The cluster config: one TOML file naming an implementation, and its options, per part.

```toml
[cluster]
name = "kubelab"
seed = 0                            # every part's randomness derives from this one number
service_cidr = "127.96.0.0/12"      # loopback, so services are reachable on one machine
pod_cidr = "127.128.0.0/9"          # a /24 per node (node_cidr_prefix)
node_cidr_prefix = 24
cluster_domain = "cluster.local"
# cluster_dns = "127.96.0.10"       # default: the 10th address of service_cidr

[store]
implementation = "memory"          # a registered name, or "module:attribute"

[store.options]                    # passed to the factory as keyword arguments
# anything the implementation documents
```

The parts are `store`, `scheduler`, `proxy`, `dns`, `kubelet` and `runtime`; a part whose
table is absent is not run. Unknown keys are rejected naming the key path and the file, so a
typo never silently falls back to a default; bad TOML is reported with the file and line.
Whether a named implementation exists is the registry's business (`kubelab config validate`
asks it); this module checks only the file's shape and the cluster-wide values.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

PART_NAMES: tuple[str, ...] = (
    "store",
    "scheduler",
    "controllers",
    "proxy",
    "dns",
    "kubelet",
    "runtime",
)
"""Every part a config can name, in start-up order (the registry's parts)."""

DEFAULT_CONFIG_TOML = """\
# kubelab's embedded default cluster config (`kubelab config default` prints it).

[cluster]
name = "kubelab"
seed = 0                            # every part's randomness derives from this one number
service_cidr = "127.96.0.0/12"      # loopback, so services are reachable on one machine
pod_cidr = "127.128.0.0/9"          # a /24 per node (node_cidr_prefix)
node_cidr_prefix = 24
cluster_domain = "cluster.local"
# cluster_dns = "127.96.0.10"       # default: the 10th address of service_cidr

[store]
implementation = "memory"

# Parts with no table are not started. Name one to run it, e.g.
# [scheduler]
# implementation = "mypkg.scheduler:MyScheduler"
# [scheduler.options]
# seed = 1
"""
"""The embedded default, as a file would say it; `ClusterConfig.default()` parses this."""


class ConfigError(Exception):
    """The config file is missing, not TOML, or not a valid cluster config; one sentence."""


_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@attrs.frozen
class ClusterSettings:
    """The `[cluster]` table: values every part of one cluster agrees on."""

    name: str = "kubelab"
    """The cluster's name (a DNS-1123 label), shown by tools and used in file names."""
    seed: int = 0
    """The root of every part's seeded randomness (`env.rng(...)` streams derive from it)."""
    service_cidr: str = "127.96.0.0/12"
    """Where Service cluster IPs come from (the API server allocates them); loopback so a
    real cluster on one machine can listen on them."""
    pod_cidr: str = "127.128.0.0/9"
    """Where pod IPs come from (one `/node_cidr_prefix` per node); must not overlap services."""
    node_cidr_prefix: int = 24
    """The size of each node's slice of `pod_cidr`."""
    cluster_domain: str = "cluster.local"
    """The DNS zone of the cluster (`<svc>.<ns>.svc.<cluster_domain>`), no trailing dot."""
    cluster_dns: str = ""
    """The DNS service's cluster IP; empty means the 10th address of `service_cidr`."""

    @property
    def dns_ip(self) -> str:
        """`cluster_dns`, or the 10th address of the service range (Kubernetes' convention)."""
        if self.cluster_dns:
            return self.cluster_dns
        return str(ipaddress.ip_network(self.service_cidr)[10])


@attrs.frozen
class PartConfig:
    """One part's table: which implementation, and the options its factory is called with."""

    implementation: str
    """A registered name (`memory`) or `module:attribute` for code outside kubelab."""
    options: Mapping[str, Any] = attrs.field(factory=dict)
    """The `[<part>.options]` table, passed to the factory as keyword arguments."""


@attrs.frozen
class ClusterConfig:
    """A whole cluster config: the cluster settings and each configured part."""

    cluster: ClusterSettings = ClusterSettings()
    store: PartConfig | None = None
    scheduler: PartConfig | None = None
    controllers: PartConfig | None = None
    proxy: PartConfig | None = None
    dns: PartConfig | None = None
    kubelet: PartConfig | None = None
    runtime: PartConfig | None = None
    source: str = "<default>"
    """Where the config came from (a file path), for messages."""

    @classmethod
    def default(cls) -> ClusterConfig:
        """The embedded default: the memory store, the default cluster settings."""
        return parse_config(DEFAULT_CONFIG_TOML, source="<default>")

    def parts(self) -> dict[str, PartConfig]:
        """The configured parts, in start-up order."""
        return {name: part for name in PART_NAMES if (part := getattr(self, name)) is not None}


def _type_name(value: object) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        dict: "a table",
        list: "an array",
    }
    return names.get(type(value), f"a {type(value).__name__}")


class _Reader:
    """Walks the parsed TOML, rejecting unknown keys and wrong types with the key's path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {message}")

    def table(self, data: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
        for key in data:
            if key not in known:
                where = f"{path}.{key}" if path else key
                choices = ", ".join(known)
                scope = f"[{path}]" if path else "the top level"
                raise self.fail(f'unknown key "{where}" (known keys in {scope}: {choices})')

    def value(self, data: Mapping[str, Any], path: str, key: str, kind: type) -> Any:
        value = data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(f'"{path}.{key}" must be {_type_name(kind())}, not {_type_name(value)}')
        return value


def _check_network(
    reader: _Reader, key: str, text: str
) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as err:
        raise reader.fail(f'"cluster.{key}" is not a network in CIDR form: {err}') from None


def _cluster(reader: _Reader, data: Mapping[str, Any]) -> ClusterSettings:
    fields = tuple(f.name for f in attrs.fields(ClusterSettings))
    reader.table(data, "cluster", fields)
    types = {"seed": int, "node_cidr_prefix": int}
    values = {key: reader.value(data, "cluster", key, types.get(key, str)) for key in data}
    settings = ClusterSettings(**values)
    if not 0 <= settings.seed < 2**63:
        raise reader.fail(f'"cluster.seed" must be in 0..2^63-1, not {settings.seed}')
    if not _DNS_LABEL.fullmatch(settings.name) or len(settings.name) > 63:
        raise reader.fail(
            f'"cluster.name" must be a DNS-1123 label (lower-case letters, digits and "-", '
            f'at most 63), not "{settings.name}"'
        )
    domain = settings.cluster_domain.rstrip(".")
    labels = domain.split(".")
    if (
        not domain
        or len(domain) > 253
        or not all(_DNS_LABEL.fullmatch(label) and len(label) <= 63 for label in labels)
    ):
        raise reader.fail(
            f'"cluster.cluster_domain" must be a DNS name such as "cluster.local", '
            f'not "{settings.cluster_domain}"'
        )
    services = _check_network(reader, "service_cidr", settings.service_cidr)
    pods = _check_network(reader, "pod_cidr", settings.pod_cidr)
    if services.version == pods.version and services.overlaps(pods):  # type: ignore[arg-type]
        raise reader.fail(
            f'"cluster.service_cidr" ({services}) and "cluster.pod_cidr" ({pods}) overlap'
        )
    if not pods.prefixlen <= settings.node_cidr_prefix <= pods.max_prefixlen - 2:
        raise reader.fail(
            f'"cluster.node_cidr_prefix" must be between the pod range\'s /{pods.prefixlen} '
            f"and /{pods.max_prefixlen - 2}, not {settings.node_cidr_prefix}"
        )
    if settings.cluster_dns:
        try:
            dns = ipaddress.ip_address(settings.cluster_dns)
        except ValueError:
            raise reader.fail(
                f'"cluster.cluster_dns" is not an IP address: "{settings.cluster_dns}"'
            ) from None
        if dns not in services:
            raise reader.fail(
                f'"cluster.cluster_dns" ({dns}) is outside "cluster.service_cidr" ({services})'
            )
    return attrs.evolve(settings, cluster_domain=domain)


def _part(reader: _Reader, name: str, data: object) -> PartConfig:
    if not isinstance(data, dict):
        raise reader.fail(f'"{name}" must be a table ([{name}]), not {_type_name(data)}')
    reader.table(data, name, ("implementation", "options"))
    if "implementation" not in data:
        raise reader.fail(
            f'[{name}] needs "implementation" (a registered name or "module:attribute")'
        )
    implementation = reader.value(data, name, "implementation", str).strip()
    if not implementation:
        raise reader.fail(f'"{name}.implementation" is empty')
    options = reader.value(data, name, "options", dict) if "options" in data else {}
    return PartConfig(implementation, options)


def parse_config(text: str, *, source: str = "<string>") -> ClusterConfig:
    """Parse a cluster config from TOML text; `source` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(source, err, text) from None
    reader = _Reader(source)
    reader.table(data, "", ("cluster", *PART_NAMES))
    cluster = data.get("cluster", {})
    if not isinstance(cluster, dict):
        raise reader.fail(f'"cluster" must be a table ([cluster]), not {_type_name(cluster)}')
    parts = {name: _part(reader, name, data[name]) for name in PART_NAMES if name in data}
    return ClusterConfig(cluster=_cluster(reader, cluster), source=source, **parts)


def _toml_error(source: str, err: tomllib.TOMLDecodeError, text: str) -> ConfigError:
    """`FILE, line N: what is wrong` from tomllib's message (which ends "(at line N, column M)").

    tomllib says "(at end of document)" for input that stops mid-value; that is the last line.
    """
    message = str(err)
    at_end = re.search(r"\s*\(at end of document\)$", message)
    if at_end is not None:
        last = max(1, len(text.splitlines()))
        return ConfigError(f"{source}, line {last}: invalid TOML: {message[: at_end.start()]}")
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is None:
        return ConfigError(f"{source}: invalid TOML: {message}")
    line, column = match.groups()
    what = message[: match.start()]
    return ConfigError(f"{source}, line {line}, column {column}: invalid TOML: {what}")


def load_config(path: str | Path) -> ClusterConfig:
    """Read and parse the cluster config file at `path` (errors name the file)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory, not a file") from None
    except OSError as err:
        raise ConfigError(f"config file {path} cannot be read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: not UTF-8 text (TOML files are UTF-8)") from None
    return parse_config(text, source=str(path))


__all__ = [
    "DEFAULT_CONFIG_TOML",
    "PART_NAMES",
    "ClusterConfig",
    "ClusterSettings",
    "ConfigError",
    "PartConfig",
    "load_config",
    "parse_config",
]
