"""`kubelab apply/get/describe/delete` against a live API server: output and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kernel.cli.app import main
from tests.cli.running import assert_one_line_mistake, run

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{app: web}}
spec:
  containers:
  - name: c
    image: {image}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_apply_creates_then_is_unchanged_then_configured(capsys, kubeconfig, tmp_path):
    path = write(tmp_path, "m.yaml", POD.format(name="a1", image="nginx") + "---\n" + SERVICE)
    assert run(capsys, "apply", "-f", path, "--kubeconfig", kubeconfig)[1] == (
        "pod/a1 created\nservice/web created\n"
    )
    assert run(capsys, "apply", "-f", path, "--kubeconfig", kubeconfig)[1] == (
        "pod/a1 unchanged\nservice/web unchanged\n"
    )
    write(tmp_path, "m.yaml", POD.format(name="a1", image="nginx:2"))
    code, out, err = run(capsys, "apply", "-f", path, "--kubeconfig", kubeconfig)
    assert (code, out) == (0, "pod/a1 configured\n"), err
    code, out, _ = run(capsys, "get", "po", "a1", "-o", "json", "--kubeconfig", kubeconfig)
    assert code == 0
    assert json.loads(out)["spec"]["containers"][0]["image"] == "nginx:2"


def test_get_prints_kubectl_table_with_age(capsys, kubeconfig, tmp_path):
    path = write(tmp_path, "p.yaml", POD.format(name="g1", image="nginx"))
    run(capsys, "apply", "-f", path, "--kubeconfig", kubeconfig)
    code, out, _ = run(capsys, "get", "pods", "-l", "app=web", "--kubeconfig", kubeconfig)
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    row = next(r for r in rows if r.startswith("g1 "))
    assert row.split()[1:4] == ["0/1", "Pending", "0"]
    assert row.split()[4].endswith("s")
    assert header.index("READY") == row.index("0/1")  # columns are aligned
    code, out, _ = run(capsys, "get", "po", "-A", "-o", "wide", "--kubeconfig", kubeconfig)
    assert out.split()[:2] == ["NAMESPACE", "NAME"]
    assert "NODE" in out.splitlines()[0]
    assert run(capsys, "get", "pod/g1", "-o", "name", "--kubeconfig", kubeconfig)[1] == "pod/g1\n"
    code, out, _ = run(capsys, "get", "po", "g1", "-o", "yaml", "--kubeconfig", kubeconfig)
    assert yaml.safe_load(out)["metadata"]["name"] == "g1"
    code, out, _ = run(capsys, "get", "ns", "--kubeconfig", kubeconfig)
    assert "kube-system" in out
    assert out.split()[:3] == ["NAME", "STATUS", "AGE"]


def test_describe_shows_fields_and_events(capsys, kubeconfig, tmp_path):
    path = write(tmp_path, "p.yaml", POD.format(name="d1", image="busybox"))
    run(capsys, "apply", "-f", path, "--kubeconfig", kubeconfig)
    code, out, _ = run(capsys, "describe", "pod", "d1", "--kubeconfig", kubeconfig)
    assert code == 0
    assert out.startswith("Name:               d1\nNamespace:          default\n")
    assert "Labels:             app=web" in out
    assert "Image:  busybox" in out
    assert out.rstrip().endswith("Events:             <none>")


def test_delete_by_name_and_by_file(capsys, kubeconfig, tmp_path):
    path = write(tmp_path, "p.yaml", POD.format(name="x1", image="nginx"))
    run(capsys, "apply", "-f", path, "--kubeconfig", kubeconfig)
    assert run(capsys, "delete", "pod", "x1", "--kubeconfig", kubeconfig)[1] == 'pod "x1" deleted\n'
    code, _, err = run(capsys, "delete", "-f", path, "--kubeconfig", kubeconfig)
    assert code == 1
    assert err == 'kubelab: Error from server (NotFound): pods "x1" not found\n'
    assert (
        run(capsys, "delete", "-f", path, "--ignore-not-found", "--kubeconfig", kubeconfig)[0] == 0
    )


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["get", "widgets"], 'resource type "widgets"'),
        (["get", "pods", "nope"], 'pods "nope" not found'),
        (["get", "pods", "-o", "xml"], 'output format "xml"'),
        (["describe", "pod"], "describe needs one TYPE and a NAME"),
        (["describe", "po,svc", "web"], "describe needs one TYPE and a NAME"),
        (["describe", "po/web", "x"], "no need to specify a resource type"),
        (["describe", "po/"], '"po/" names no object'),
    ],
)
def test_user_mistakes_are_one_line(capsys, kubeconfig, argv, needle):
    code = 1 if "not found" in needle else 2  # the server's answer, or caught before asking
    assert_one_line_mistake(run(capsys, *argv, "--kubeconfig", kubeconfig), needle, code)


def test_invalid_manifests_are_one_line(capsys, kubeconfig, tmp_path):
    bad_yaml = write(tmp_path, "bad.yaml", "kind: Pod\nmetadata: [\n")
    code, _, err = run(capsys, "apply", "-f", bad_yaml, "--kubeconfig", kubeconfig)
    assert code != 0
    assert "YAML syntax error" in err
    assert err.count("\n") == 1
    unknown = write(tmp_path, "k.yaml", "apiVersion: v1\nkind: Gadget\nmetadata: {name: g}\n")
    code, _, err = run(capsys, "apply", "-f", unknown, "--kubeconfig", kubeconfig)
    assert code != 0
    assert "Gadget" in err
    assert err.count("\n") == 1
    invalid = write(
        tmp_path,
        "i.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: i1}\nspec: {containers: [{name: c}]}\n",
    )
    code, _, err = run(capsys, "apply", "-f", invalid, "--kubeconfig", kubeconfig)
    assert code == 1
    assert "Invalid" in err
    assert "image" in err
    assert err.count("\n") == 1


def test_unreadable_or_empty_manifests_are_one_line(capsys, kubeconfig, tmp_path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"kind: Pod\n\xff\xfe\x00")
    code, out, err = run(capsys, "apply", "-f", str(binary), "--kubeconfig", kubeconfig)
    assert (code, out) == (2, "")
    assert err == f"kubelab: {binary}: cannot read manifest: not UTF-8 text\n"
    (tmp_path / "empty").mkdir()
    for verb in ("apply", "delete"):
        code, _, err = run(capsys, verb, "-f", str(tmp_path / "empty"), "--kubeconfig", kubeconfig)
        assert code == 2
        assert err.startswith(f"kubelab: no objects passed to {verb} ")
    nameless = write(tmp_path, "n.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n")
    code, _, err = run(capsys, "apply", "-f", nameless, "--kubeconfig", kubeconfig)
    assert (code, err) == (2, "kubelab: a ConfigMap in the manifests has no metadata.name\n")


def test_unreachable_server_is_one_line(capsys, tmp_path):
    from kernel.client import write_kubeconfig

    config = str(write_kubeconfig(tmp_path / "kc", "http://127.0.0.1:1"))
    code, _, err = run(capsys, "get", "pods", "--kubeconfig", config)
    assert code == 1
    assert "cannot reach the API server at http://127.0.0.1:1" in err
    assert err.count("\n") == 1


def test_get_watch_prints_each_change_until_the_request_timeout(capsys, kubeconfig, tmp_path):
    import threading
    import time

    first = write(tmp_path, "w1.yaml", POD.format(name="w1", image="nginx"))
    second = write(tmp_path, "w2.yaml", POD.format(name="w2", image="nginx"))
    run(capsys, "apply", "-f", first, "--kubeconfig", kubeconfig)
    codes: list[int] = []
    argv = [
        "get",
        "pods",
        "-l",
        "app=web",
        "-w",
        "--request-timeout",
        "2",
        "--kubeconfig",
        kubeconfig,
    ]
    watcher = threading.Thread(target=lambda: codes.append(main(argv)))
    watcher.start()
    time.sleep(0.7)
    assert main(["apply", "-f", second, "--kubeconfig", kubeconfig]) == 0
    watcher.join(10)
    out = capsys.readouterr().out
    assert codes == [0]
    lines = out.splitlines()
    assert lines[0].split()[0] == "NAME"
    assert any(line.startswith("w1 ") for line in lines[1:])
    assert any(line.startswith("w2 ") for line in lines[1:])  # printed by the watch
    assert "pod/w2 created" in lines


@pytest.mark.parametrize(
    ("text", "needle"),
    [("clusters: [\n", "bad.yaml:2: not valid YAML"), ("- a\n", "is a YAML mapping")],
)
def test_a_broken_kubeconfig_is_one_line(capsys, tmp_path, text, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    code, _, err = run(capsys, "get", "pods", "--kubeconfig", str(bad))
    assert code == 1
    assert needle in err
    assert len(err.strip().splitlines()) == 1
