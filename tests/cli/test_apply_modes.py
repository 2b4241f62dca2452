"""`kubelab apply`: dry runs, -l filtering, --prune, and list items removed from a manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.apiserver.patch import STRATEGIC_MERGE_PATCH
from components.kubectl.threeway import three_way_patch
from kernel.api.errors import AlreadyExists
from kernel.api.requests import Target
from kernel.objects import resource_for_name
from tests.cli.live_api import call_api
from tests.cli.running import assert_one_line_mistake, run

POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {app}}}}}
spec: {{containers: [{{name: c, image: {image}}}]}}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
{containers}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports:
{ports}
"""


def pod(name: str, app: str = "web", image: str = "nginx") -> str:
    return POD.format(name=name, app=app, image=image)


@pytest.fixture
def flags(kubeconfig: str, namespace: str) -> list[str]:
    return ["-n", namespace, "--kubeconfig", kubeconfig]


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def get_json(capsys, flags, *what: str) -> dict:
    code, out, err = run(capsys, "get", *what, "-o", "json", *flags)
    assert code == 0, err
    return json.loads(out)


def test_client_dry_run_sends_no_writes(capsys, flags, tmp_path):
    path = write(tmp_path, pod("a"))
    assert run(capsys, "apply", "-f", path, "--dry-run=client", *flags)[1] == (
        "pod/a created (dry run)\n"
    )
    assert run(capsys, "get", "po", "a", *flags)[0] == 1  # nothing was created
    run(capsys, "apply", "-f", path, *flags)
    write(tmp_path, pod("a", image="nginx:2"))
    assert run(capsys, "apply", "-f", path, "--dry-run=client", *flags)[1] == (
        "pod/a configured (dry run)\n"
    )
    live = get_json(capsys, flags, "po", "a")
    assert live["spec"]["containers"][0]["image"] == "nginx"


def test_server_dry_run_is_checked_by_the_server_but_not_stored(capsys, flags, tmp_path):
    path = write(tmp_path, pod("a"))
    assert run(capsys, "apply", "-f", path, "--dry-run=server", *flags)[1] == (
        "pod/a created (server dry run)\n"
    )
    assert run(capsys, "get", "po", "a", *flags)[0] == 1
    run(capsys, "apply", "-f", path, *flags)
    assert run(capsys, "apply", "-f", path, "--dry-run=server", *flags)[1] == (
        "pod/a unchanged (server dry run)\n"
    )
    write(tmp_path, pod("a", image="nginx:2"))
    assert run(capsys, "apply", "-f", path, "--dry-run=server", *flags)[1] == (
        "pod/a configured (server dry run)\n"
    )
    assert get_json(capsys, flags, "po", "a")["spec"]["containers"][0]["image"] == "nginx"
    invalid = write(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: i}\n", "i.yaml")
    code, out, err = run(capsys, "apply", "-f", invalid, "--dry-run=server", *flags)
    assert (code, out) == (1, "")
    assert "Invalid" in err  # validation ran on the server; a client dry run would not see it


def test_selector_filters_the_manifests(capsys, flags, tmp_path):
    path = write(tmp_path, pod("a") + "---\n" + pod("d", app="db"))
    code, out, _ = run(capsys, "apply", "-f", path, "-l", "app=web", *flags)
    assert (code, out) == (0, "pod/a created\n")
    assert run(capsys, "get", "po", "d", *flags)[0] == 1


def test_prune_deletes_applied_objects_that_left_the_file(capsys, flags, tmp_path, api_url):
    namespace = flags[1]
    path = write(tmp_path, pod("a") + "---\n" + pod("b") + "---\n" + pod("d", app="db"))
    assert run(capsys, "apply", "-f", path, *flags)[0] == 0

    async def create_unapplied(client):  # an app=web pod that apply never wrote
        body = {"metadata": {"name": "manual", "labels": {"app": "web"}}}
        body["spec"] = {"containers": [{"name": "c", "image": "nginx"}]}
        await client.raw.create(Target(resource_for_name("pods"), namespace), body)

    call_api(api_url, create_unapplied)
    write(tmp_path, pod("a"))
    for mode, suffix in (("client", " (dry run)"), ("server", " (server dry run)")):
        code, out, _ = run(
            capsys, "apply", "-f", path, "--prune", "-l", "app=web", f"--dry-run={mode}", *flags
        )
        assert out.splitlines()[-1] == f"pod/b pruned{suffix}"
    code, out, _ = run(capsys, "get", "po", "-o", "name", *flags)
    assert out.splitlines() == ["pod/a", "pod/b", "pod/d", "pod/manual"]
    code, out, _ = run(capsys, "apply", "-f", path, "--prune", "-l", "app=web", *flags)
    assert (code, out) == (0, "pod/a unchanged\npod/b pruned\n")
    code, out, _ = run(capsys, "get", "po", "-o", "name", *flags)
    assert out.splitlines() == ["pod/a", "pod/d", "pod/manual"]  # other label; not applied


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--prune"], "pass the --all flag"),
        (["--prune", "--all", "-l", "app=web"], "cannot set --all and --selector"),
        (["-l", "app in (web"], "invalid -l/--selector"),
        (["--dry-run=yes"], "invalid --dry-run value (yes)"),
    ],
)
def test_mistakes_are_one_line(capsys, flags, tmp_path, extra, needle):
    path = write(tmp_path, pod("a"))
    assert_one_line_mistake(run(capsys, "apply", "-f", path, *extra, *flags), needle)


def containers(*items: str) -> str:
    return "\n".join(f"      - {item}" for item in items)


def test_a_container_removed_from_the_manifest_leaves_the_live_object(
    capsys, flags, tmp_path, api_url
):
    namespace = flags[1]
    both = DEPLOYMENT.format(
        containers=containers(
            "{name: a, image: nginx, ports: [{containerPort: 80}, {containerPort: 443}]}",
            "{name: b, image: busybox}",
        )
    )
    path = write(tmp_path, both)
    assert run(capsys, "apply", "-f", path, *flags)[1] == "deployment.apps/web created\n"

    async def add_sidecar(client):  # someone else's change: apply must keep it
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "s", "image": "x"}]}}}}
        target = Target(resource_for_name("deployments"), namespace, "web")
        await client.raw.patch(target, STRATEGIC_MERGE_PATCH, patch)

    call_api(api_url, add_sidecar)
    one = DEPLOYMENT.format(
        containers=containers("{name: a, image: nginx, ports: [{containerPort: 80}]}")
    )
    write(tmp_path, one)
    assert run(capsys, "apply", "-f", path, *flags)[1] == "deployment.apps/web configured\n"
    live = get_json(capsys, flags, "deploy", "web")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in live] == ["a", "s"]
    assert [p["containerPort"] for p in live[0]["ports"]] == [80]
    assert run(capsys, "apply", "-f", path, *flags)[1] == "deployment.apps/web unchanged\n"


def test_a_service_port_removed_from_the_manifest_goes(capsys, flags, tmp_path):
    path = write(
        tmp_path, SERVICE.format(ports="  - {name: http, port: 80}\n  - {name: https, port: 443}")
    )
    run(capsys, "apply", "-f", path, *flags)
    write(tmp_path, SERVICE.format(ports="  - {name: https, port: 443}"))
    assert run(capsys, "apply", "-f", path, *flags)[1] == "service/web configured\n"
    ports = get_json(capsys, flags, "svc", "web")["spec"]["ports"]
    assert [(p["name"], p["port"]) for p in ports] == [("https", 443)]


def test_three_way_patch_deletes_only_what_the_last_apply_had():
    current = {
        "spec": {
            "containers": [
                {"name": "a", "image": "x", "imagePullPolicy": "Always"},
                {"name": "b", "image": "y"},
                {"name": "s", "image": "z"},
            ]
        }
    }
    last = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}
    desired = {"spec": {"containers": [{"name": "a", "image": "x2"}]}}
    assert three_way_patch(current, desired, last) == {
        "spec": {"containers": [{"name": "a", "image": "x2"}, {"name": "b", "$patch": "delete"}]}
    }
    # Not created by apply: nothing is deleted, and defaulted fields never are.
    assert three_way_patch(current, desired, None) == {
        "spec": {"containers": [{"name": "a", "image": "x2"}]}
    }
    assert (
        three_way_patch(current, {"spec": {"containers": [{"name": "a", "image": "x"}]}}, None)
        == {}
    )


def test_a_server_dry_run_create_of_a_taken_name_is_409(flags, api_url, capsys, tmp_path):
    namespace = flags[1]
    run(capsys, "apply", "-f", write(tmp_path, pod("a")), *flags)

    async def dry_create(client):
        body = {"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
        target = Target(resource_for_name("pods"), namespace)
        with pytest.raises(AlreadyExists):
            await client.raw.create(target, body, dry_run=True)
        body["metadata"] = {"generateName": "a-"}  # a generated name is never taken
        made = await client.raw.create(target, body, dry_run=True)
        assert made["metadata"]["name"].startswith("a-")

    call_api(api_url, dry_create)
    assert run(capsys, "get", "po", "-o", "name", *flags)[1] == "pod/a\n"
