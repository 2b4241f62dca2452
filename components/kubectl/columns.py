"""The table columns of `kubelab get` per resource, as kubectl's built-in printers define them.

Each resource has its normal columns and the extra ones ``-o wide`` appends. Cells read wire
dicts defensively: a missing field prints kubectl's ``<none>`` rather than failing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from components.kubectl.ages import age

Obj = dict[str, Any]
NONE = "<none>"


@attrs.frozen
class Column:
    """One column: its header and how to compute a cell from an object and the time now."""

    header: str
    cell: Callable[[Obj, float], str]


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def cell_name(obj: Obj, _now: float) -> str:
    """``metadata.name``."""
    return str(_get(obj, "metadata", "name") or "")


def cell_namespace(obj: Obj, _now: float) -> str:
    """``metadata.namespace``."""
    return str(_get(obj, "metadata", "namespace") or "")


age_column = Column("AGE", age)
name_column = Column("NAME", cell_name)


def _labels(selector: Any) -> str:
    if not isinstance(selector, dict) or not selector:
        return NONE
    return ",".join(f"{k}={v}" for k, v in selector.items())


# ---------------------------------------------------------------------------------- pods


def pod_status(pod: Obj) -> str:
    """Kubectl's STATUS: a waiting/terminated reason beats the phase; Terminating when deleting."""
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Pending"
    for cs in reversed(status.get("containerStatuses") or []):
        state = cs.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if isinstance(waiting, dict) and waiting.get("reason"):
            reason = waiting["reason"]
        elif isinstance(terminated, dict) and terminated.get("reason"):
            reason = terminated["reason"]
        elif isinstance(terminated, dict):
            signal = _int(terminated.get("signal"))
            code = _int(terminated.get("exitCode"))
            reason = f"Signal:{signal}" if signal else f"ExitCode:{code}"
    if _get(pod, "metadata", "deletionTimestamp"):
        return "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return str(reason)


def _pod_ready(pod: Obj, _now: float) -> str:
    total = len(_get(pod, "spec", "containers") or [])
    ready = sum(
        1
        for cs in _get(pod, "status", "containerStatuses") or []
        if cs.get("ready") and "running" in (cs.get("state") or {})
    )
    return f"{ready}/{total}"


def _pod_restarts(pod: Obj, _now: float) -> str:
    return str(
        sum(_int(cs.get("restartCount")) for cs in _get(pod, "status", "containerStatuses") or [])
    )


def _pod_gates(pod: Obj, _now: float) -> str:
    gates = _get(pod, "spec", "readinessGates") or []
    if not gates:
        return NONE
    conditions = {c.get("type"): c.get("status") for c in _get(pod, "status", "conditions") or []}
    ready = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return f"{ready}/{len(gates)}"


def _field(*path: str, default: str = NONE) -> Callable[[Obj, float], str]:
    def cell(obj: Obj, _now: float) -> str:
        value = _get(obj, *path)
        return default if value in (None, "") else str(value)

    return cell


POD = (
    (
        name_column,
        Column("READY", _pod_ready),
        Column("STATUS", lambda o, _n: pod_status(o)),
        Column("RESTARTS", _pod_restarts),
        age_column,
    ),
    (
        Column("IP", _field("status", "podIP")),
        Column("NODE", _field("spec", "nodeName")),
        Column("NOMINATED NODE", _field("status", "nominatedNodeName")),
        Column("READINESS GATES", _pod_gates),
    ),
)

# ---------------------------------------------------------------------------------- services


def _svc_external(svc: Obj, _now: float) -> str:
    kind = _get(svc, "spec", "type") or "ClusterIP"
    external = list(_get(svc, "spec", "externalIPs") or [])
    if kind == "ExternalName":
        return str(_get(svc, "spec", "externalName") or NONE)
    if kind == "LoadBalancer":
        ingress = _get(svc, "status", "loadBalancer", "ingress") or []
        external += [i.get("ip") or i.get("hostname") for i in ingress if isinstance(i, dict)]
        return ",".join(str(e) for e in external if e) or "<pending>"
    return ",".join(external) or NONE


def _svc_ports(svc: Obj, _now: float) -> str:
    ports = []
    for p in _get(svc, "spec", "ports") or []:
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        ports.append(f"{p.get('port')}{node}/{p.get('protocol') or 'TCP'}")
    return ",".join(ports) or NONE


SERVICE = (
    (
        name_column,
        Column("TYPE", _field("spec", "type", default="ClusterIP")),
        Column("CLUSTER-IP", _field("spec", "clusterIP")),
        Column("EXTERNAL-IP", _svc_external),
        Column("PORT(S)", _svc_ports),
        age_column,
    ),
    (Column("SELECTOR", lambda o, _n: _labels(_get(o, "spec", "selector"))),),
)

# ---------------------------------------------------------------------------------- workloads


def _containers(obj: Obj, _now: float) -> str:
    containers = _get(obj, "spec", "template", "spec", "containers") or []
    return ",".join(str(c.get("name", "")) for c in containers) or NONE


def _images(obj: Obj, _now: float) -> str:
    containers = _get(obj, "spec", "template", "spec", "containers") or []
    return ",".join(str(c.get("image", "")) for c in containers) or NONE


def _selector(obj: Obj, _now: float) -> str:
    selector = _get(obj, "spec", "selector") or {}
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for req in selector.get("matchExpressions") or []:
        values = ",".join(req.get("values") or [])
        parts.append(f"{req.get('key')} {str(req.get('operator', '')).lower()} ({values})")
    return ",".join(parts) or NONE


def _count(*path: str) -> Callable[[Obj, float], str]:
    return lambda obj, _now: str(_int(_get(obj, *path)))


def _replicas(obj: Obj) -> int:
    value = _get(obj, "spec", "replicas")
    return 1 if value is None else _int(value)


WORKLOAD_WIDE = (
    Column("CONTAINERS", _containers),
    Column("IMAGES", _images),
    Column("SELECTOR", _selector),
)
DEPLOYMENT = (
    (
        name_column,
        Column("READY", lambda o, _n: f"{_int(_get(o, 'status', 'readyReplicas'))}/{_replicas(o)}"),
        Column("UP-TO-DATE", _count("status", "updatedReplicas")),
        Column("AVAILABLE", _count("status", "availableReplicas")),
        age_column,
    ),
    WORKLOAD_WIDE,
)
REPLICASET = (
    (
        name_column,
        Column("DESIRED", lambda o, _n: str(_replicas(o))),
        Column("CURRENT", _count("status", "replicas")),
        Column("READY", _count("status", "readyReplicas")),
        age_column,
    ),
    WORKLOAD_WIDE,
)

# ---------------------------------------------------------------------------------- nodes


def _node_status(node: Obj, _now: float) -> str:
    conditions = {c.get("type"): c.get("status") for c in _get(node, "status", "conditions") or []}
    ready = conditions.get("Ready")
    text = "Ready" if ready == "True" else "NotReady" if ready == "False" else "Unknown"
    if _get(node, "spec", "unschedulable"):
        text += ",SchedulingDisabled"
    return text


def _node_roles(node: Obj, _now: float) -> str:
    labels = _get(node, "metadata", "labels") or {}
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix) :] for k in labels if k.startswith(prefix) and k[len(prefix) :])
    return ",".join(roles) or NONE


def _node_address(kind: str) -> Callable[[Obj, float], str]:
    def cell(node: Obj, _now: float) -> str:
        for a in _get(node, "status", "addresses") or []:
            if a.get("type") == kind:
                return str(a.get("address"))
        return NONE

    return cell


NODE = (
    (
        name_column,
        Column("STATUS", _node_status),
        Column("ROLES", _node_roles),
        age_column,
        Column("VERSION", _field("status", "nodeInfo", "kubeletVersion", default="")),
    ),
    (
        Column("INTERNAL-IP", _node_address("InternalIP")),
        Column("EXTERNAL-IP", _node_address("ExternalIP")),
        Column("OS-IMAGE", _field("status", "nodeInfo", "osImage", default="<unknown>")),
        Column(
            "KERNEL-VERSION", _field("status", "nodeInfo", "kernelVersion", default="<unknown>")
        ),
        Column(
            "CONTAINER-RUNTIME",
            _field("status", "nodeInfo", "containerRuntimeVersion", default="<unknown>"),
        ),
    ),
)

# ---------------------------------------------------------------------------------- the rest


def _endpoints(ep: Obj, _now: float) -> str:
    pairs = []
    for subset in ep.get("subsets") or []:
        ports = [p.get("port") for p in subset.get("ports") or []] or [None]
        for address in subset.get("addresses") or []:
            pairs += [f"{address.get('ip')}:{p}" if p else str(address.get("ip")) for p in ports]
    if not pairs:
        return NONE
    more = f" + {len(pairs) - 3} more..." if len(pairs) > 3 else ""
    return ",".join(pairs[:3]) + more


def _data_count(obj: Obj, _now: float) -> str:
    return str(len(obj.get("data") or {}) + len(obj.get("binaryData") or {}))


def _event_object(ev: Obj, _now: float) -> str:
    involved = ev.get("involvedObject") or {}
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


def _event_last_seen(ev: Obj, now: float) -> str:
    stamp = ev.get("lastTimestamp") or ev.get("eventTime") or ev.get("firstTimestamp")
    return age({"metadata": {"creationTimestamp": stamp}}, now) if stamp else "<unknown>"


def _role_ref(obj: Obj, _now: float) -> str:
    ref = obj.get("roleRef") or {}
    return f"{ref.get('kind', '')}/{ref.get('name', '')}"


def _subjects(kind: str) -> Callable[[Obj, float], str]:
    def cell(obj: Obj, _now: float) -> str:
        names = []
        for s in obj.get("subjects") or []:
            if s.get("kind") != kind:
                continue
            ns = s.get("namespace")
            names.append(f"{ns}/{s.get('name')}" if kind == "ServiceAccount" else s.get("name"))
        return ",".join(str(n) for n in names)

    return cell


def _pod_selector(obj: Obj, _now: float) -> str:
    labels = _get(obj, "spec", "podSelector", "matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in labels.items()) or NONE


KIND_COLUMNS: dict[str, tuple[tuple[Column, ...], tuple[Column, ...]]] = {
    "pods": POD,
    "services": SERVICE,
    "deployments": DEPLOYMENT,
    "replicasets": REPLICASET,
    "nodes": NODE,
    "namespaces": (
        (name_column, Column("STATUS", _field("status", "phase", default="Active")), age_column),
        (),
    ),
    "endpoints": ((name_column, Column("ENDPOINTS", _endpoints), age_column), ()),
    "configmaps": ((name_column, Column("DATA", _data_count), age_column), ()),
    "secrets": (
        (
            name_column,
            Column("TYPE", _field("type", default="Opaque")),
            Column("DATA", _data_count),
            age_column,
        ),
        (),
    ),
    "serviceaccounts": (
        (
            name_column,
            Column("SECRETS", lambda o, _n: str(len(o.get("secrets") or []))),
            age_column,
        ),
        (),
    ),
    "events": (
        (
            Column("LAST SEEN", _event_last_seen),
            Column("TYPE", _field("type")),
            Column("REASON", _field("reason")),
            Column("OBJECT", _event_object),
            Column("MESSAGE", _field("message", default="")),
        ),
        (),
    ),
    "leases": (
        (name_column, Column("HOLDER", _field("spec", "holderIdentity", default="")), age_column),
        (),
    ),
    "roles": ((name_column, Column("CREATED AT", _field("metadata", "creationTimestamp"))), ()),
    "clusterroles": (
        (name_column, Column("CREATED AT", _field("metadata", "creationTimestamp"))),
        (),
    ),
    "rolebindings": (
        (name_column, Column("ROLE", _role_ref), age_column),
        (
            Column("USERS", _subjects("User")),
            Column("GROUPS", _subjects("Group")),
            Column("SERVICEACCOUNTS", _subjects("ServiceAccount")),
        ),
    ),
    "clusterrolebindings": (
        (name_column, Column("ROLE", _role_ref), age_column),
        (
            Column("USERS", _subjects("User")),
            Column("GROUPS", _subjects("Group")),
            Column("SERVICEACCOUNTS", _subjects("ServiceAccount")),
        ),
    ),
    "networkpolicies": ((name_column, Column("POD-SELECTOR", _pod_selector), age_column), ()),
}
"""Per resource plural: (normal columns, extra ``-o wide`` columns)."""

__all__ = [
    "KIND_COLUMNS",
    "NONE",
    "Column",
    "age_column",
    "cell_name",
    "cell_namespace",
    "name_column",
    "pod_status",
]
