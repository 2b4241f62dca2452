"""`kubelab up` as a user runs it: a foreground process that serves, writes a kubeconfig, stops."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from kernel.client.http import kubeconfig_ssl_context
from kernel.client.kubeconfig import load_kubeconfig

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable,
        "-m",
        "kernel.cli.app",
        "up",
        "--api-port",
        "0",
        "--state-dir",
        str(tmp_path),
        *args,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if "API server at " in line:
            url = line.split("API server at ", 1)[1].split()[0]
            return proc, url
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"kubelab up did not start: {err}")


def _ca(state_dir: Path) -> str:
    """The cluster CA `kubelab up` made, to verify its serving certificate with."""
    return str(state_dir / "pki" / "ca.crt")


def _up_fails(tmp_path: Path, *args: str) -> str:
    """Run `kubelab up` expecting it to refuse; returns its stderr (one line, no traceback)."""
    done = subprocess.run(
        [sys.executable, "-m", "kernel.cli.app", "up", "--state-dir", str(tmp_path), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_up_serves_writes_kubeconfig_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    proc, url = _start(tmp_path)
    try:
        assert httpx.get(f"{url}/healthz", timeout=5, verify=_ca(tmp_path)).status_code == 200
        from kubernetes import client, config

        api = client.CoreV1Api(config.new_client_from_config(str(tmp_path / "kubeconfig")))
        names = {ns.metadata.name for ns in api.list_namespace().items}
        assert {"default", "kube-system"} <= names
        assert oct((tmp_path / "kubeconfig").stat().st_mode & 0o777) == "0o600"
        _service_account_tokens_work(api, url, tmp_path)
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=15)
    assert rc == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/healthz", timeout=2, verify=_ca(tmp_path))


def _service_account_tokens_work(api: Any, url: str, state: Path) -> None:
    """kubelab up signs ServiceAccount tokens (TokenRequest) with an owner-only key."""
    from kubernetes import client

    api.create_namespaced_service_account("default", {"metadata": {"name": "bot"}})
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[]))
    answer = api.create_namespaced_service_account_token("bot", "default", request)
    headers = {"Authorization": f"Bearer {answer.status.token}"}
    denied = httpx.get(
        f"{url}/api/v1/namespaces/default/pods", headers=headers, timeout=5, verify=_ca(state)
    )
    assert denied.status_code == 403  # authenticated as the account, not 401
    assert "system:serviceaccount:default:bot" in denied.json()["message"]
    assert oct((state / "service-account.key").stat().st_mode & 0o777) == "0o600"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    assert (state / "components" / "kubelet-node-1.kubeconfig").exists()


def test_up_reports_a_taken_port_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        line = _up_fails(tmp_path, "--api-port", str(port))
    assert "address" in line
    assert "in use" in line


def test_up_rejects_an_unknown_store_in_one_line(tmp_path: Path) -> None:
    line = _up_fails(tmp_path, "--store", "nosuch", "--api-port", "0")
    assert line.startswith('kubelab: --store: unknown store implementation "nosuch"')


@pytest.mark.skipif(shutil.which("etcd") is None and not os.environ.get("CI"), reason="no etcd")
async def test_up_serves_over_a_real_etcd(tmp_path: Path) -> None:
    from components.store.etcd import open_local_etcd

    async with open_local_etcd(1) as etcd:
        endpoints = ",".join(etcd.endpoints)
        proc, url = await trio.to_thread.run_sync(
            lambda: _start(tmp_path, "--store", "etcd", "--etcd-endpoints", endpoints)
        )
        try:
            config = load_kubeconfig(tmp_path / "kubeconfig")
            async with httpx.AsyncClient(verify=kubeconfig_ssl_context(config)) as http:
                got = await http.get(f"{url}/api/v1/namespaces/kube-system", timeout=5)
            assert got.status_code == 200
            assert got.json()["metadata"]["name"] == "kube-system"
        finally:
            proc.send_signal(signal.SIGINT)
            rc = await trio.to_thread.run_sync(lambda: proc.wait(timeout=15))
        assert rc == 0


def test_up_reports_an_unwritable_state_dir_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "components").write_text("not a directory")
    line = _up_fails(tmp_path, "--api-port", "0")
    assert line.startswith("kubelab: --state-dir: cannot write ")


STUDENT_STORE = """
from contextlib import asynccontextmanager
from pathlib import Path

from components.store.memory import open_memory_store


@asynccontextmanager
async def open_store(marker: str):
    Path(marker).write_text("opened by kubelab up")
    async with open_memory_store() as store:
        yield store
"""


def test_up_config_runs_the_store_the_config_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A student's `module:attr` store, with its options, is what `up --config` serves on."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "student_store.py").write_text(STUDENT_STORE)
    marker = tmp_path / "marker"
    config = tmp_path / "cluster.toml"
    config.write_text(
        '[store]\nimplementation = "student_store:open_store"\n'
        f'[store.options]\nmarker = "{marker}"\n'
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")]))
    proc, url = _start(tmp_path / "state", "--config", str(config))
    try:
        assert marker.read_text() == "opened by kubelab up"
        assert httpx.get(f"{url}/healthz", timeout=10, verify=False).status_code in (200, 401)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


def test_up_config_mistakes_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cluster.toml"
    bad.write_text('[store]\nimplementation = "memory"\n[store.options]\nnosuch = 1\n')
    line = _up_fails(tmp_path, "--config", str(bad), "--api-port", "0")
    assert line.startswith(f"kubelab: {bad}: ")
    assert "nosuch" in line
    both = _up_fails(tmp_path, "--config", str(bad), "--store", "memory")
    assert "--config names the store" in both
    bad.write_text('[cluster]\nseed = "x"\n')
    assert '"cluster.seed" must be an integer' in _up_fails(tmp_path, "--config", str(bad))


def test_insecure_http_serves_plain_http_and_warns_about_credentials(tmp_path: Path) -> None:
    proc, url = _start(tmp_path, "--insecure-http")
    try:
        assert url.startswith("http://")
        assert proc.stdout is not None
        warning = proc.stdout.readline()
        assert "--insecure-http" in warning
        assert "kubectl will not send credentials" in warning
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        assert load_kubeconfig(tmp_path / "kubeconfig").ca_pem is None
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
