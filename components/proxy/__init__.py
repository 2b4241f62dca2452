"""The reference proxy: the pure decision core, NetworkPolicy engine, and the Env.net driver.

`make_proxy` (entry point ``reference``) builds the `Proxy` decision core (`core`), over the
table `table.build_table` derives from Services and EndpointSlices; `policy` holds the
reference `PolicyEngine`; `driver` moves bytes on `Env.net`; `launch` joins `kubelab up`.
"""

from __future__ import annotations

from components.proxy.core import MODES, ReferenceProxy, make_proxy
from components.proxy.policy import ReferencePolicyEngine, make_policy_engine
from components.proxy.table import build_table

__all__ = [
    "MODES",
    "ReferencePolicyEngine",
    "ReferenceProxy",
    "build_table",
    "make_policy_engine",
    "make_proxy",
]
