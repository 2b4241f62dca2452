"""A real `kubelab up` process (memory store, free port) shared by this folder's tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest


@attrs.frozen
class Cluster:
    """A running `kubelab up`: its URL and state directory (kubeconfigs live there)."""

    url: str
    state_dir: Path

    def kubeconfig(self, component: str = "") -> str:
        """The admin's kubeconfig, or a component's (``kube-scheduler``...)."""
        if not component:
            return str(self.state_dir / "kubeconfig")
        return str(self.state_dir / "components" / f"{component}.kubeconfig")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    state_dir = tmp_path_factory.mktemp("kubelab")
    cmd = [
        sys.executable,
        "-m",
        "kernel.cli.app",
        "up",
        "--api-port",
        "0",
        "--state-dir",
        str(state_dir),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not url:
        line = proc.stdout.readline()
        if not line:
            break
        if "API server at " in line:
            url = line.split("API server at ", 1)[1].split()[0]
    if not url:
        proc.kill()
        pytest.fail(f"kubelab up did not start: {proc.communicate()[1]}")
    try:
        yield Cluster(url, state_dir)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
