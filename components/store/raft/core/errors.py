"""Errors raised by the Raft core; each says what happened and what a caller can do."""

from __future__ import annotations


class RaftError(Exception):
    """Base class of every error the Raft core raises."""


class ConfigError(RaftError, ValueError):
    """A :class:`~components.store.raft.core.config.Config` field has an unusable value."""


class ProposalDropped(RaftError):  # noqa: N818 (etcd names: ErrProposalDropped, ErrCompacted...)
    """A proposal was not appended (no leader, transfer in progress, pending conf change...).

    The outcome is definite: the entry will not be committed from this call. Retry later,
    typically after the driver observes a new leader in ``Ready.soft_state``.
    """


class LogCompacted(RaftError):  # noqa: N818 (etcd names: ErrProposalDropped, ErrCompacted...)
    """The requested index lies before the first index still held (it is in the snapshot)."""


class LogUnavailable(RaftError):  # noqa: N818 (etcd names: ErrProposalDropped, ErrCompacted...)
    """The requested index lies after the last index held."""


class SnapshotOutOfDate(RaftError):  # noqa: N818 (etcd names: ErrProposalDropped, ErrCompacted...)
    """The snapshot is older than the one already held by storage."""


class StepError(RaftError):
    """A message was handed to ``step()`` that a driver must not pass in (e.g. a local type)."""
