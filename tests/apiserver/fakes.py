"""Test doubles: a settable clock, and object builders."""

from __future__ import annotations

from typing import Any


class FixedClock:
    """Wall-clock stand-in that moves only when told (timestamps in tests are exact)."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.value = start

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


def pod(
    name: str = "web",
    namespace: str = "default",
    *,
    labels: dict[str, str] | None = None,
    node: str | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A minimal valid Pod in wire form."""
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], **spec},
    }
    if node:
        body["spec"]["nodeName"] = node
    if not name:
        body["metadata"].pop("name")
        body["metadata"]["generateName"] = "web-"
    return body


def deployment(name: str = "web", replicas: int = 2) -> dict[str, Any]:
    """A minimal valid apps/v1 Deployment in wire form."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            },
        },
    }


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
