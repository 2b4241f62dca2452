"""Deliberately buggy variants of the Raft core, for labs and for testing the test harness.

Each :class:`Mutant` switches on one classic student mistake; the code guarding it is a
single ``if Mutant.X in config.mutants`` next to the correct line, so reading the guard
shows both the bug and the fix. Production configs leave ``mutants`` empty.
"""

from __future__ import annotations

import enum


class Mutant(enum.Enum):
    """One deliberate bug. ``safety`` mutants can violate safety; the others hurt liveness."""

    VOTE_WITHOUT_UP_TO_DATE_CHECK = "grants a vote without the up-to-date-log check (5.4.1)"
    COMMIT_OLDER_TERM_BY_COUNTING = "commits an older-term entry by counting replicas (5.4.2)"
    VOTE_NOT_PERSISTED = "does not persist the vote before replying (5.2, Figure 2)"
    KEEP_CONFLICTING_SUFFIX = "follower keeps a conflicting log suffix (5.3)"
    READ_WITHOUT_READ_INDEX = "leader serves reads without confirming leadership (6.4)"
    APPLY_BEFORE_COMMIT = "hands out entries to apply before they are committed (5.3)"
    FIXED_ELECTION_TIMEOUT = "election timeout not randomized (5.2, liveness)"
    ACCEPT_STALE_TERM_APPEND = "accepts AppendEntries from a stale term (5.1)"
    SNAPSHOT_DROPS_NEWER_ENTRIES = "installing a snapshot drops newer entries (7)"
    NO_TIMER_RESET_ON_APPEND = "does not reset the election timer on AppendEntries (5.2, liveness)"
    COUNT_STALE_VOTES = "counts vote responses from an older term (5.1)"

    @property
    def is_safety(self) -> bool:
        """True when the bug can break a safety property (not only liveness)."""
        return self not in _LIVENESS_ONLY


_LIVENESS_ONLY = frozenset({Mutant.FIXED_ELECTION_TIMEOUT, Mutant.NO_TIMER_RESET_ON_APPEND})
