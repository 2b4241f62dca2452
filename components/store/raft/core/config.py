"""Configuration of one Raft core, validated up front with errors naming the field."""

from __future__ import annotations

import attrs

from .errors import ConfigError
from .mutants import Mutant


@attrs.frozen(slots=True)
class Config:
    """Parameters of a :class:`~components.store.raft.core.rawnode.RawNode`.

    Times are in ticks: the driver decides how long a tick lasts (etcd uses 100 ms).
    """

    id: int
    """This node's id, a positive integer."""
    election_tick: int = 10
    """Base election timeout T; the randomized timeout is drawn from [T, 2T)."""
    heartbeat_tick: int = 1
    """Ticks between leader heartbeats; must be smaller than ``election_tick``."""
    pre_vote: bool = True
    """Run a pre-vote round before incrementing the term (thesis 9.6)."""
    check_quorum: bool = True
    """Leader steps down without quorum contact; followers honour the leader's lease."""
    max_size_per_msg: int = 1 << 20
    """Upper bound on the entry bytes in one MsgApp (at least one entry is always sent)."""
    max_inflight_msgs: int = 256
    """How many MsgApp may be unacknowledged per follower in replicate state."""
    max_inflight_bytes: int = 0
    """Bound on the unacknowledged entry bytes per follower (0: unlimited)."""
    max_committed_size_per_ready: int = 0
    """Bound on the entry bytes handed out to apply per Ready (0: unlimited)."""
    disable_proposal_forwarding: bool = False
    """When True, followers drop proposals instead of forwarding them to the leader."""
    mutants: frozenset[Mutant] = frozenset()
    """Deliberate bugs to switch on (labs and harness tests only)."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first unusable field."""
        if self.id <= 0:
            raise ConfigError(f"Config.id must be a positive integer, got {self.id}")
        if self.heartbeat_tick <= 0:
            raise ConfigError(f"Config.heartbeat_tick must be >= 1, got {self.heartbeat_tick}")
        if self.election_tick <= self.heartbeat_tick:
            raise ConfigError(
                f"Config.election_tick ({self.election_tick}) must be greater than "
                f"heartbeat_tick ({self.heartbeat_tick}); etcd uses 10 to 1"
            )
        if self.max_inflight_msgs <= 0:
            raise ConfigError(
                f"Config.max_inflight_msgs must be >= 1, got {self.max_inflight_msgs}"
            )
        if self.max_size_per_msg <= 0:
            raise ConfigError(f"Config.max_size_per_msg must be >= 1, got {self.max_size_per_msg}")
        for name in ("max_inflight_bytes", "max_committed_size_per_ready"):
            if getattr(self, name) < 0:
                raise ConfigError(f"Config.{name} must be >= 0 (0 means unlimited)")
