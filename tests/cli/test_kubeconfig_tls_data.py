"""A kubeconfig whose certificate data does not load is one line naming the field."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kernel.cli.app import main

CONFIG = """apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: "https://127.0.0.1:1", certificate-authority-data: "{ca}"}}
users:
- name: u
  user: {{client-certificate-data: "{cert}", client-key-data: "{key}"}}
contexts:
- name: x
  context: {{cluster: c, user: u}}
current-context: x
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("ca", "needle"),
    [(b64("not a cert"), "certificate-authority-data does not hold a PEM certificate")],
)
def test_bad_certificate_data_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ca: str, needle: str
) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(CONFIG.format(ca=ca, cert=b64("foo"), key=b64("bar")))
    assert main(["get", "pods", "--kubeconfig", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("kubelab: unusable kubeconfig: ")
    assert needle in err[0]
