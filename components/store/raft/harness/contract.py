"""The node contract the harness drives: what a Raft core must offer to be tested here.

The reference :class:`~components.store.raft.core.RawNode` keeps it, and so must a
student's node in the Raft labs. Values (messages, entries, Ready, Status) are the core's
own types, so a node is swappable without touching the driver.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from components.store.raft.core import Config, ConfState, Message, Ready, Status, Storage


class RaftNode(Protocol):
    """A pure Raft node: inputs in (tick, step, propose), a Ready batch out."""

    def tick(self) -> None:
        """Advance logical time by one tick."""

    def campaign(self) -> None:
        """Start an election now (the election timer fired)."""

    def propose(self, data: bytes) -> None:
        """Append ``data`` as a new entry (leader) or raise ``ProposalDropped``."""

    def read_index(self, context: bytes) -> None:
        """Ask for a linearizable read; a ReadState with ``context`` comes back in a Ready."""

    def step(self, message: Message) -> None:
        """Handle one message from a peer."""

    def ready(self) -> Ready | None:
        """The next batch of work for the driver, or None when there is nothing to do."""

    def advance(self, rd: Ready) -> None:
        """The driver persisted, sent and applied everything in ``rd``."""

    def status(self) -> Status:
        """Term, vote, commit, role, leader, applied and last index, voters."""

    @property
    def conf_state(self) -> ConfState:
        """The voters, as recorded in a snapshot taken now."""


NodeFactory = Callable[[Config, Storage, random.Random], RaftNode]
"""Builds (or rebuilds, after a crash, from what ``Storage`` holds) the node ``Config.id``."""
