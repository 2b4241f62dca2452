"""`kubelab` commands against `kubelab up` over HTTPS, with the admin's client certificate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kernel.cli.app import main
from tests.client.conftest import Cluster


def test_kubelab_up_serves_https_and_the_admin_kubeconfig_holds_a_client_cert(
    cluster: Cluster,
) -> None:
    assert cluster.url.startswith("https://")
    doc = yaml.safe_load(Path(cluster.kubeconfig()).read_text())
    assert doc["clusters"][0]["cluster"]["certificate-authority-data"]
    user = doc["users"][0]["user"]
    assert user["client-certificate-data"]
    assert user["client-key-data"]
    assert "token" not in user


def test_kubelab_get_works_over_https_as_the_certificate_admin(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["get", "namespaces", "--kubeconfig", cluster.kubeconfig()]) == 0
    assert "kube-system" in capsys.readouterr().out
