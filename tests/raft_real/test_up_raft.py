"""`kubelab up --store raft`: the API server on a 3-member Raft store it starts itself."""

from __future__ import annotations

import queue
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from kernel.client.http import kubeconfig_ssl_context
from kernel.client.kubeconfig import load_kubeconfig

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def start_up(state_dir: Path) -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable, "-m", "kernel.cli.app", "up", "--api-port", "0",
        "--state-dir", str(state_dir), "--store", "raft",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream: IO[str]) -> None:  # a thread, so a silent `up` cannot block the test
        for text in stream:
            lines.put(text)
        lines.put(None)

    threading.Thread(target=pump, args=(proc.stdout,), daemon=True).start()
    deadline = time.monotonic() + 60
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        if "API server at " in line:
            return proc, line.split("API server at ", 1)[1].split()[0]
    proc.kill()
    proc.wait()
    err = proc.stderr.read() if proc.stderr else ""
    pytest.fail(f"kubelab up --store raft did not start: {err}")


def serve_and_create(state_dir: Path, namespace: str) -> ssl.SSLContext:
    """Start `up`, check it serves, create `namespace`, stop it; returns the admin's TLS."""
    proc, url = start_up(state_dir)
    try:
        tls = kubeconfig_ssl_context(load_kubeconfig(state_dir / "kubeconfig"))
        got = httpx.get(f"{url}/api/v1/namespaces/kube-system", verify=tls, timeout=10)
        assert got.status_code == 200
        assert got.json()["metadata"]["name"] == "kube-system"
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        made = httpx.post(f"{url}/api/v1/namespaces", json=body, verify=tls, timeout=10)
        assert made.status_code == 201, made.text
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=20)
    assert rc == 0
    return tls


def test_up_serves_over_a_local_raft_cluster(tmp_path: Path) -> None:
    serve_and_create(tmp_path, "made")
    members = sorted(p.name for p in (tmp_path / "raft").iterdir() if p.is_dir())
    assert members == ["n1", "n2", "n3"]
    assert any(p.name.startswith("wal-") for p in (tmp_path / "raft" / "n1").iterdir())
    for private in (tmp_path, tmp_path / "raft", tmp_path / "raft" / "n1", tmp_path / "pki"):
        assert private.stat().st_mode & 0o777 == 0o700, private
    for path in (tmp_path / "raft" / "n1").iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


@pytest.mark.slow
def test_up_keeps_the_raft_data_across_restarts(tmp_path: Path) -> None:
    tls = serve_and_create(tmp_path, "kept")
    proc, url = start_up(tmp_path)  # same state dir: the store's data is still there
    try:
        again = httpx.get(f"{url}/api/v1/namespaces/kept", verify=tls, timeout=10)
        assert again.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0


def test_a_second_ctrl_c_while_stopping_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C twice (or a wrapper such as `timeout` forwarding the signal) during shutdown."""
    proc, _ = start_up(tmp_path)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)  # the API server stops at once; the Raft members take longer
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=30)
    err = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in err
    if rc == 130:
        assert err.strip().splitlines()[-1] == "kubelab: interrupted"
    else:  # stopped before the second signal, or it landed as the interpreter exited
        assert rc in (0, -signal.SIGINT), err
