"""`System`: the thing under test, as node programs installed on simulated hosts.

Every system speaks the same request protocol: Maelstrom-shaped bodies (``read`` / ``write``
/ ``cas`` / ``delete`` with ``msg_id``, answered by ``*_ok`` or ``error`` with
``in_reply_to``). Clients are the same for all systems; only the nodes differ.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from fault_injection.sim import World


class System(Protocol):
    """A system under test: `open(world, nodes)` adds one host per node and runs them."""

    label: str
    """How reports name it (``store "memory"``, ``bin ./node.py``...)."""

    def open(self, world: World, nodes: list[str]) -> AbstractAsyncContextManager[None]:
        """Add the nodes to `world` for the duration of the block; clean up after."""
        ...
