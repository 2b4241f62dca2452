"""How `kubelab up` starts a part beside the API server: the launcher contract.

A component folder registers one launcher per part under the ``kubelab.up`` entry-point group
(name = the part: ``scheduler``, ``controllers``, ``kubelet``, ``proxy``, ``dns``). `kubelab up`
calls each launcher whose part the cluster config names, in `LAUNCH_ORDER`, after the API
server serves and every identity's kubeconfig is written. A launcher is a driver: it resolves
the implementation the config names (``ctx.part.implementation``, possibly a student's
``module:attr``) through the registry and runs it against the API server only, as the
component's own identity (``ctx.kubeconfig(...)``). The kernel never imports a component.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs
import trio

from kernel.config import ClusterSettings, PartConfig
from kernel.env import Env

LAUNCH_GROUP = "kubelab.up"
"""The entry-point group launchers register under."""

LAUNCH_ORDER: tuple[str, ...] = ("controllers", "scheduler", "kubelet", "proxy", "dns")
"""The order `kubelab up` starts parts in (the store and the API server come first)."""


@attrs.frozen
class LaunchContext:
    """What a launcher gets: the world, the cluster's settings, its part's table, where to log."""

    env: Env
    """The real world (trio, sockets on 127.0.0.0/8); timers run while `kubelab up` runs."""
    cluster: ClusterSettings
    """Values every part agrees on (CIDRs, domain, seed)."""
    part: PartConfig
    """This part's config table: the implementation to run and its options."""
    api_url: str
    """The API server's URL (``https://127.0.0.1:6443``)."""
    state_dir: Path
    """`kubelab up`'s state directory (owner-only); a part keeps its files under it."""
    nodes: tuple[str, ...]
    """The cluster's node names (one kubelet each)."""
    say: Callable[[str], None] = print
    """One line of progress for the person at the terminal."""
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    """Per-run settings `kubelab up`'s flags give a part (``runtime``, ``dns_port``, ...)."""

    def kubeconfig(self, identity: str) -> Path:
        """The kubeconfig of a component identity (``kube-scheduler``, ``kubelet-node-1``)."""
        return self.state_dir / "components" / f"{identity}.kubeconfig"


class Launcher(Protocol):
    """Runs one part until cancelled; calls ``task_status.started()`` once it is serving."""

    async def __call__(
        self, ctx: LaunchContext, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Start the part, report started, run until the surrounding scope is cancelled."""
        ...


__all__ = ["LAUNCH_GROUP", "LAUNCH_ORDER", "LaunchContext", "Launcher"]
