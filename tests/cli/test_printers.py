"""Ages, tables and describe text print as kubectl prints them."""

from __future__ import annotations

import pytest

from components.kubectl.ages import human_duration
from components.kubectl.columns import pod_status
from components.kubectl.describe import describe, events_about
from components.kubectl.printers import render_table

M, H, D, Y = 60, 3600, 86400, 365 * 86400


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"),
        (9 * M + 59, "9m59s"), (10 * M + 30, "10m"), (179 * M, "179m"), (3 * H, "3h"),
        (7 * H + 59 * M, "7h59m"), (8 * H + 5 * M, "8h"), (47 * H, "47h"), (2 * D, "2d"),
        (7 * D + 23 * H, "7d23h"), (8 * D + 3 * H, "8d"), (729 * D, "729d"), (2 * Y, "2y"),
        (7 * Y + 364 * D, "7y364d"), (8 * Y + 5 * D, "8y"),
    ],
)  # fmt: skip
def test_human_duration_matches_kubectl(seconds, text):
    assert human_duration(seconds) == text


def test_table_columns_are_padded_by_three_and_last_is_not():
    text = render_table([["NAME", "AGE"], ["a-long-name", "5s"]])
    assert text == "NAME          AGE\na-long-name   5s\n"


def test_pod_status_prefers_waiting_reason_and_terminating():
    pod = {
        "status": {
            "phase": "Pending",
            "containerStatuses": [{"state": {"waiting": {"reason": "ImagePullBackOff"}}}],
        }
    }
    assert pod_status(pod) == "ImagePullBackOff"
    assert pod_status({**pod, "metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}}) == (
        "Terminating"
    )
    done = {
        "status": {
            "phase": "Running",
            "containerStatuses": [{"state": {"terminated": {"exitCode": 3}}}],
        }
    }
    assert pod_status(done) == "ExitCode:3"


def test_describe_keeps_label_keys_verbatim_and_lists_events():
    obj = {
        "metadata": {"name": "x", "uid": "u1"},
        "spec": {"selector": {"app.kubernetes.io/name": "web"}, "clusterIP": "10.0.0.1"},
    }
    event = {
        "type": "Normal",
        "reason": "Created",
        "message": "made it",
        "source": {"component": "kubelet"},
        "lastTimestamp": "1970-01-01T00:00:00Z",
    }
    text = describe(obj, [event], 30)
    assert "    app.kubernetes.io/name:  web\n" in text
    assert "  Cluster IP:  10.0.0.1\n" in text
    assert text.splitlines()[-1].split() == ["Normal", "Created", "30s", "kubelet", "made", "it"]


def test_describe_shows_only_the_events_about_the_object():
    obj = {"metadata": {"name": "web", "uid": "u1"}}
    by_uid = {"involvedObject": {"uid": "u1", "kind": "Pod", "name": "web"}}
    by_name = {"involvedObject": {"kind": "Pod", "name": "web"}}
    other_kind = {"involvedObject": {"kind": "Service", "name": "web", "uid": "u2"}}
    other_name = {"involvedObject": {"kind": "Pod", "name": "db", "uid": "u3"}}
    events = [by_uid, other_kind, by_name, other_name, {}]
    assert events_about(obj, "Pod", events) == [by_uid, by_name]
