"""NodeRestriction: the admission half of the Node authorizer (names and fields in bodies).

The authorizer sees only the URL; a kubelet creating a Node or a Lease names it in the body,
and a status write carries the pod. This plugin refuses, for ``system:node:<name>`` users, a
Node other than its own, a Lease other than its own in ``kube-node-lease``, a pod write for a
pod not bound to it, and setting its own ``node-restriction.kubernetes.io/`` labels (reserved
for administrators, as in Kubernetes), in Kubernetes' words.
"""

from __future__ import annotations

import attrs

from components.apiserver.admission import AdmissionRequest
from components.apiserver.node_authorizer import LEASE_NAMESPACE, node_name
from kernel.api.errors import Forbidden
from kernel.objects import KubeObject

RESTRICTED_LABEL_PREFIX = "node-restriction.kubernetes.io/"
_NOT_ITS_POD = 'node "{node}" can only update pod status for pods with spec.nodeName set to itself'


def _labels(obj: KubeObject | None) -> dict[str, str]:
    return dict((obj.metadata.labels or {}) if obj is not None else {})


def _node_of(pod: KubeObject | None) -> str | None:
    spec = getattr(pod, "spec", None)
    return getattr(spec, "node_name", None)


@attrs.frozen
class NodeRestriction:
    """Validating admission: a kubelet writes only its own Node, Lease and pods."""

    name: str = "NodeRestriction"

    async def validate(self, request: AdmissionRequest) -> None:
        """Raise 403 when a node identity writes something that is not its own."""
        node = node_name(request.user)
        if node is None:
            return
        res = request.resource
        obj = request.object or request.old_object
        target = request.name or (obj.metadata.name if obj is not None else "") or ""
        if res.group == "" and res.plural == "nodes":
            self._node(request, node, target)
        elif res.group == "coordination.k8s.io" and res.plural == "leases":
            if request.namespace != LEASE_NAMESPACE or target != node:
                raise self._refuse(
                    request,
                    target,
                    "can only access node lease with the same name as the requesting node",
                )
        elif res.group == "" and res.plural == "pods":
            if request.operation == "CREATE" and not request.subresource:
                raise self._refuse(request, target, f'node "{node}" can not create pods')
            for pod in (request.object, request.old_object):
                if pod is not None and _node_of(pod) != node:
                    raise self._refuse(
                        request,
                        target,
                        _NOT_ITS_POD.format(node=node),
                    )

    def _node(self, request: AdmissionRequest, node: str, target: str) -> None:
        if target != node:
            raise self._refuse(
                request, target, f'node "{node}" is not allowed to modify node "{target}"'
            )
        old, new = _labels(request.old_object), _labels(request.object)
        changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        restricted = sorted(k for k in changed if k.startswith(RESTRICTED_LABEL_PREFIX))
        if restricted and request.operation != "DELETE":
            raise self._refuse(
                request,
                target,
                f"is not allowed to modify labels: {', '.join(restricted)}",
            )

    @staticmethod
    def _refuse(request: AdmissionRequest, name: str, why: str) -> Forbidden:
        return Forbidden.new(request.resource.plural, request.resource.group, name, why)


__all__ = ["RESTRICTED_LABEL_PREFIX", "NodeRestriction"]
