"""`kubelab delete` by selector, --all and dry runs, printing kubectl's lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.running import assert_one_line_mistake, run

PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: a, labels: {app: web}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, labels: {app: web}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, labels: {app: db}}
spec: {containers: [{name: c, image: postgres}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
"""


@pytest.fixture
def flags(capsys, kubeconfig, namespace, tmp_path: Path) -> list[str]:
    path = tmp_path / "pods.yaml"
    path.write_text(PODS)
    code, _, err = run(
        capsys, "apply", "-f", str(path), "-n", namespace, "--kubeconfig", kubeconfig
    )
    assert code == 0, err
    return ["-n", namespace, "--kubeconfig", kubeconfig]


def names(capsys: pytest.CaptureFixture[str], flags: list[str]) -> list[str]:
    code, out, _ = run(capsys, "get", "po,svc,deploy", "-o", "name", *flags)
    assert code == 0
    return out.splitlines()


def test_delete_by_selector_deletes_only_matching_objects(capsys, flags):
    code, out, err = run(capsys, "delete", "pods", "-l", "app=web", *flags)
    assert (code, err) == (0, "")
    assert out == 'pod "a" deleted\npod "b" deleted\n'
    assert names(capsys, flags) == ["pod/c", "service/web", "deployment.apps/web"]
    code, out, _ = run(capsys, "delete", "pods", "-l", "app=web", *flags)
    assert (code, out) == (0, "No resources found\n")


def test_delete_all_over_several_kinds(capsys, flags):
    code, out, _ = run(capsys, "delete", "svc,deploy", "--all", *flags)
    assert code == 0
    assert out == 'service "web" deleted\ndeployment.apps "web" deleted\n'
    assert names(capsys, flags) == ["pod/a", "pod/b", "pod/c"]
    code, out, _ = run(capsys, "delete", "po", "--all", "-o", "name", *flags)
    assert out == "pod/a\npod/b\npod/c\n"
    assert names(capsys, flags) == []


@pytest.mark.parametrize(
    ("mode", "suffix"), [("client", "(dry run)"), ("server", "(server dry run)")]
)
def test_dry_runs_report_but_keep_everything(capsys, flags, mode, suffix):
    before = names(capsys, flags)
    code, out, _ = run(capsys, "delete", "po,svc", "-l", "app=web", f"--dry-run={mode}", *flags)
    assert code == 0
    assert out.splitlines() == [
        f'pod "a" deleted {suffix}',
        f'pod "b" deleted {suffix}',
        f'service "web" deleted {suffix}',
    ]
    code, out, _ = run(capsys, "delete", "deploy", "web", f"--dry-run={mode}", *flags)
    assert out == f'deployment.apps "web" deleted {suffix}\n'
    assert names(capsys, flags) == before


def test_server_dry_run_still_reports_a_missing_object(capsys, flags):
    code, out, err = run(capsys, "delete", "pod", "nope", "--dry-run=server", *flags)
    assert (code, out) == (1, "")
    assert err == 'kubelab: Error from server (NotFound): pods "nope" not found\n'


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["delete", "pods"], "no name was specified"),
        (["delete", "pods", "a", "-l", "app=web"], "name cannot be provided when a selector"),
        (["delete", "pods", "--all", "-l", "app=web"], "cannot set --all and --selector"),
        (["delete", "pods", "-l", "app in (web"], "invalid -l/--selector"),
        (["delete", "pods", "a", "--dry-run=maybe"], "invalid --dry-run value (maybe)"),
        (["delete", "pods,widgets", "--all"], 'resource type "widgets"'),
        (["delete", "pods", "a", "-o", "yaml"], "We only support '-o name'"),
        (["delete"], "must provide one or more resources"),
    ],
)
def test_mistakes_are_one_line(capsys, kubeconfig, argv, needle):
    assert_one_line_mistake(run(capsys, *argv, "--kubeconfig", kubeconfig), needle)
