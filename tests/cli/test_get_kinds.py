"""`kubelab get` over several kinds, `all`, label columns: kubectl's output and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.running import assert_one_line_mistake, run

MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: web, tier: fe}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, labels: {app: db}}
spec: {containers: [{name: c, image: postgres}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1"}
"""


@pytest.fixture
def objects(capsys, kubeconfig, namespace, tmp_path: Path) -> list[str]:
    path = tmp_path / "objects.yaml"
    path.write_text(MANIFESTS)
    code, _, err = run(
        capsys, "apply", "-f", str(path), "-n", namespace, "--kubeconfig", kubeconfig
    )
    assert code == 0, err
    return ["-n", namespace, "--kubeconfig", kubeconfig]


def tables(out: str) -> list[list[list[str]]]:
    """Each blank-line separated table as rows of whitespace-split cells."""
    return [[line.split() for line in block.splitlines()] for block in out.split("\n\n")]


def test_comma_kinds_print_one_table_per_kind_with_kind_names(capsys, objects):
    code, out, err = run(capsys, "get", "svc,po", *objects)
    assert (code, err) == (0, "")
    services, pods = tables(out)
    assert services[0][:2] == ["NAME", "TYPE"]
    assert [row[0] for row in services[1:]] == ["service/web"]
    assert pods[0][:3] == ["NAME", "READY", "STATUS"]
    assert [row[0] for row in pods[1:]] == ["pod/p1", "pod/p2"]
    code, out, _ = run(capsys, "get", "po", *objects)  # one kind: plain names, one table
    assert [row[0] for row in tables(out)[0][1:]] == ["p1", "p2"]
    assert len(tables(out)) == 1


def test_get_all_lists_pods_services_and_workloads_but_not_configmaps(capsys, objects):
    code, out, _ = run(capsys, "get", "all", *objects)
    assert code == 0
    names = [row[0] for table in tables(out) for row in table[1:]]
    assert names == ["pod/p1", "pod/p2", "service/web", "deployment.apps/web"]
    code, out, _ = run(capsys, "get", "all,cm", "-o", "name", *objects)
    assert out.splitlines()[-1] == "configmap/settings"


def test_a_selector_applies_to_every_kind_and_empty_kinds_print_nothing(capsys, objects):
    code, out, _ = run(capsys, "get", "po,svc,deploy", "-l", "app=web", *objects)
    assert code == 0
    names = [row[0] for table in tables(out) for row in table[1:]]
    assert names == ["pod/p1", "service/web"]  # the deployment has no labels


def test_names_across_kinds_print_what_exists_and_report_the_rest(capsys, objects):
    code, out, err = run(capsys, "get", "po,svc", "web", "p1", *objects)
    assert code == 1
    assert [row[0] for table in tables(out) for row in table[1:]] == ["pod/p1", "service/web"]
    assert err.splitlines() == [
        'kubelab: Error from server (NotFound): pods "web" not found',
        'kubelab: Error from server (NotFound): services "p1" not found',
    ]
    code, out, _ = run(capsys, "get", "pod/p1", "svc/web", "-o", "json", *objects)
    doc = json.loads(out)
    assert doc["kind"] == "List"
    assert [(i["kind"], i["metadata"]["name"]) for i in doc["items"]] == [
        ("Pod", "p1"),
        ("Service", "web"),
    ]
    code, out, err = run(capsys, "get", "po", "x1", "x2", "-o", "json", *objects)
    assert (code, json.loads(out)["items"], err.count("\n")) == (1, [], 2)
    code, out, err = run(capsys, "get", "po", "x1", "-o", "json", *objects)
    assert (code, out, err.count("\n")) == (1, "", 1)  # one object asked for: no List


def test_show_labels_and_label_columns(capsys, objects):
    code, out, _ = run(capsys, "get", "po", "-L", "tier,app", "--show-labels", *objects)
    assert code == 0
    header, first, second = out.splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "TIER", "APP", "LABELS"]
    assert first.split()[5:] == ["fe", "web", "app=web,tier=fe"]
    assert second.split()[5:] == ["db", "app=db"]  # no tier label: an empty cell
    assert second.index("db") == header.index("APP")
    code, out, _ = run(capsys, "get", "cm", "--show-labels", *objects)
    assert out.splitlines()[1].split()[-1] == "<none>"


def test_nothing_found_says_so_on_stderr(capsys, objects, kubeconfig):
    namespace = objects[1]
    code, out, err = run(capsys, "get", "po,svc", "-l", "app=none", *objects)
    assert (code, out) == (0, "")
    assert err == f"No resources found in {namespace} namespace.\n"
    code, out, err = run(capsys, "get", "nodes", "--kubeconfig", kubeconfig)
    assert (code, out, err) == (0, "", "No resources found\n")
    code, out, err = run(capsys, "get", "po", "-l", "app=none", "-o", "name", *objects)
    assert (code, out, err) == (0, "", "")  # not a table: kubectl prints no notice
    code, out, err = run(capsys, "get", "po", "-l", "app=none", "-o", "json", *objects)
    assert (code, json.loads(out)["items"], err) == (0, [], "")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["get", "svc,widgets"], 'resource type "widgets"'),
        (["get", "po,"], "empty resource type"),
        (["get", "pods", "-l", "app in (web"], "invalid -l/--selector"),
        (["get", "svc,po", "-w"], "only specify a single resource type"),
        (["get", "po", "p1", "-A"], "cannot be retrieved by name across all namespaces"),
        (["get", "po", "p1", "-l", "app=web"], "name cannot be provided when a selector"),
        (["get", "all", "p1"], "you must specify only one resource"),
        (["get", "po", "svc/web"], "no need to specify a resource type"),
        (["get", "po", "-L", "a=b"], "invalid -L/--label-columns"),
        (["get", "po", "-w", "--request-timeout", "-1"], "invalid --request-timeout -1"),
    ],
)
def test_mistakes_are_one_line(capsys, kubeconfig, argv, needle):
    assert_one_line_mistake(run(capsys, *argv, "--kubeconfig", kubeconfig), needle)
