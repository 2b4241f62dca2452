"""The contracts of kubelab's swappable parts, one module per part.

A student implementing one part reads only its module and its page in `docs/interfaces/`:

* `kernel.interfaces.store`: `Store`, an etcd-v3-shaped MVCC key-value store.
* `kernel.interfaces.scheduler`: `Scheduler`, and the plugin framework (Filter, Score, ...).
* `kernel.interfaces.proxy`: `Proxy`, kube-proxy's service-to-backend decisions.
* `kernel.interfaces.network_policy`: `PolicyEngine`, ingress NetworkPolicy for the proxy.
* `kernel.interfaces.dns`: `Resolver`, Kubernetes DNS-based service discovery.
* `kernel.interfaces.kubelet`: `Kubelet`, the node agent, and its `ContainerRuntime`.

The top-level protocols are re-exported here; everything else lives in its part's module.
"""

from __future__ import annotations

from kernel.interfaces.dns import Resolver
from kernel.interfaces.kubelet import ContainerRuntime, Kubelet
from kernel.interfaces.network_policy import PolicyEngine
from kernel.interfaces.proxy import Proxy
from kernel.interfaces.scheduler import Scheduler
from kernel.interfaces.store import Store

__all__ = [
    "ContainerRuntime",
    "Kubelet",
    "PolicyEngine",
    "Proxy",
    "Resolver",
    "Scheduler",
    "Store",
]
