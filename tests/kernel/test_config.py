"""Cluster config files: valid ones load; every mistake is one sentence naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.config import (
    DEFAULT_CONFIG_TOML,
    PART_NAMES,
    ClusterConfig,
    ClusterSettings,
    ConfigError,
    PartConfig,
    load_config,
    parse_config,
)
from kernel.registry import PARTS

FULL = """\
[cluster]
name = "lab-1"
service_cidr = "10.100.0.0/16"
pod_cidr = "10.200.0.0/16"
cluster_domain = "example.test."

[store]
implementation = "memory"

[scheduler]
implementation = "mypkg.sched:Scheduler"
[scheduler.options]
percentage_of_nodes_to_score = 50
plugin_args = { NodeResourcesFit = { strategy = "MostAllocated" } }

[proxy]
implementation = "userspace"

[controllers]
implementation = "reference"

[dns]
implementation = "reference"
options = { ttl = 30 }

[kubelet]
implementation = "reference"

[runtime]
implementation = "process"
"""


def write(tmp_path: Path, text: str, name: str = "cluster.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_default_config_is_the_memory_store_with_default_cluster_settings() -> None:
    config = ClusterConfig.default()
    assert config.cluster == ClusterSettings()
    assert config.parts() == {"store": PartConfig("memory")}
    assert config.source == "<default>"


def test_default_config_text_is_a_valid_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, DEFAULT_CONFIG_TOML))
    assert config.parts() == ClusterConfig.default().parts()
    assert config.cluster == ClusterConfig.default().cluster


def test_full_config_loads_every_part_with_its_options(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    config = load_config(path)
    assert config.source == str(path)
    assert config.cluster == ClusterSettings(
        name="lab-1",
        service_cidr="10.100.0.0/16",
        pod_cidr="10.200.0.0/16",
        cluster_domain="example.test",
    )
    assert list(config.parts()) == list(PART_NAMES)
    assert config.scheduler == PartConfig(
        "mypkg.sched:Scheduler",
        {
            "percentage_of_nodes_to_score": 50,
            "plugin_args": {"NodeResourcesFit": {"strategy": "MostAllocated"}},
        },
    )
    assert config.dns == PartConfig("reference", {"ttl": 30})


def test_config_parts_are_the_registry_parts() -> None:
    assert tuple(PARTS) == PART_NAMES


def test_absent_parts_are_not_configured() -> None:
    config = parse_config('[dns]\nimplementation = "reference"\n')
    assert config.parts() == {"dns": PartConfig("reference")}
    assert config.store is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[sotre]\nimplementation = "memory"\n',
            'unknown key "sotre" (known keys in the top level: cluster, store, scheduler, '
            "controllers, proxy, dns, kubelet, runtime)",
        ),
        (
            '[store]\nimplementaton = "memory"\n',
            'unknown key "store.implementaton" (known keys in [store]: implementation, options)',
        ),
        (
            '[cluster]\ndomain = "cluster.local"\n',
            'unknown key "cluster.domain" (known keys in [cluster]: name, seed, service_cidr, '
            "pod_cidr, node_cidr_prefix, cluster_domain, cluster_dns)",
        ),
    ],
)
def test_unknown_keys_are_rejected_naming_the_key_path_and_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[store]\nimplementation = 3\n",
            '"store.implementation" must be a string, not an integer',
        ),
        (
            "[store]\nimplementation = true\n",
            '"store.implementation" must be a string, not a boolean',
        ),
        (
            '[store]\nimplementation = "m"\noptions = 1\n',
            '"store.options" must be a table, not an integer',
        ),
        ("store = 1\n", '"store" must be a table ([store]), not an integer'),
        ("cluster = []\n", '"cluster" must be a table ([cluster]), not an array'),
        ("[cluster]\nname = 1\n", '"cluster.name" must be a string, not an integer'),
        (
            "[scheduler]\n",
            '[scheduler] needs "implementation" (a registered name or "module:attribute")',
        ),
        ('[scheduler]\nimplementation = " "\n', '"scheduler.implementation" is empty'),
        (
            '[cluster]\nname = "Lab_1"\n',
            '"cluster.name" must be a DNS-1123 label (lower-case letters, digits and "-", at '
            'most 63), not "Lab_1"',
        ),
        (
            '[cluster]\ncluster_domain = "a..b"\n',
            '"cluster.cluster_domain" must be a DNS name such as "cluster.local", not "a..b"',
        ),
        (
            '[cluster]\nservice_cidr = "10.96.0.1/12"\n',
            '"cluster.service_cidr" is not a network in CIDR form: 10.96.0.1/12 has host bits set',
        ),
        (
            '[cluster]\npod_cidr = "ten/8"\n',
            "\"cluster.pod_cidr\" is not a network in CIDR form: 'ten/8' does not appear to be an "
            "IPv4 or IPv6 network",
        ),
        (
            '[cluster]\npod_cidr = "127.96.128.0/17"\n',
            '"cluster.service_cidr" (127.96.0.0/12) and "cluster.pod_cidr" (127.96.128.0/17) '
            "overlap",
        ),
        ('[cluster]\nseed = "7"\n', '"cluster.seed" must be an integer, not a string'),
        (
            "[cluster]\nnode_cidr_prefix = 31\n",
            '"cluster.node_cidr_prefix" must be between the pod range\'s /9 and /30, not 31',
        ),
        (
            '[cluster]\ncluster_dns = "10.0.0.10"\n',
            '"cluster.cluster_dns" (10.0.0.10) is outside "cluster.service_cidr" (127.96.0.0/12)',
        ),
    ],
)
def test_invalid_values_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, source="c.toml")
    assert str(err.value) == f"c.toml: {message}"


def test_bad_toml_reports_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nimplementation = "memory"\noptions = {path = }\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}, line 3, column 19: invalid TOML: Invalid value"


@given(st.integers(min_value=0, max_value=30))
def test_bad_toml_line_number_is_the_offending_line(blank_lines: int) -> None:
    text = "# comment\n" * blank_lines + "[store\n"
    with pytest.raises(ConfigError, match=rf"^f\.toml, line {blank_lines + 1}, column \d+: "):
        parse_config(text, source="f.toml")


def test_toml_cut_off_mid_value_names_the_last_line() -> None:
    text = '[store]\nimplementation = "memory"\noptions = ['
    with pytest.raises(ConfigError) as err:
        parse_config(text, source="cut.toml")
    assert str(err.value).startswith("cut.toml, line 3: invalid TOML: ")
    assert "end of document" not in str(err.value)


def test_missing_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"config file {path} does not exist"


def test_directory_is_not_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert str(err.value) == f"config file {tmp_path} is a directory, not a file"


def test_non_utf8_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[cluster]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}, line 2: not UTF-8 text (TOML files are UTF-8)"


def test_cluster_domain_trailing_dot_is_dropped() -> None:
    config = parse_config('[cluster]\ncluster_domain = "cluster.local."\n')
    assert config.cluster.cluster_domain == "cluster.local"


def test_ipv6_service_and_ipv4_pod_networks_do_not_overlap() -> None:
    config = parse_config('[cluster]\nservice_cidr = "fd00:10:96::/112"\n')
    assert config.cluster.service_cidr == "fd00:10:96::/112"


def test_cluster_defaults_work_on_one_machine() -> None:
    """Loopback ranges (reachable without root or routes), a /24 per node, DNS at .10."""
    cluster = ClusterConfig.default().cluster
    assert (cluster.service_cidr, cluster.pod_cidr) == ("127.96.0.0/12", "127.128.0.0/9")
    assert (cluster.node_cidr_prefix, cluster.seed) == (24, 0)
    assert cluster.dns_ip == "127.96.0.10"
    assert parse_config('[cluster]\nseed = 42\ncluster_dns = "127.96.0.53"\n').cluster.dns_ip == (
        "127.96.0.53"
    )
