"""Pure Raft consensus core: no I/O, no clock, no global randomness.

Drive a :class:`RawNode` with ``tick()``, ``step()``, ``propose()`` and ``read_index()``;
drain :class:`Ready` batches, persist them to a :class:`Storage` before sending their
messages, apply their committed entries, then ``advance()``. See ``docs/store.md``.
"""

from .codec import CodecError, decode_message, encode_message
from .config import Config
from .errors import (
    ConfigError,
    LogCompacted,
    LogUnavailable,
    ProposalDropped,
    RaftError,
    SnapshotOutOfDate,
    StepError,
)
from .messages import (
    CAMPAIGN_TRANSFER,
    NONE,
    ConfChange,
    ConfChangeType,
    ConfState,
    Entry,
    EntryType,
    HardState,
    Message,
    MessageType,
    ReadState,
    Snapshot,
    SnapshotMetadata,
    SoftState,
    StateRole,
    describe_entry,
    describe_message,
)
from .mutants import Mutant
from .progress import ProgressState
from .rawnode import ProgressStatus, RawNode, Ready, Status
from .storage import MemoryStorage, Storage

__all__ = [
    "CAMPAIGN_TRANSFER",
    "NONE",
    "CodecError",
    "ConfChange",
    "ConfChangeType",
    "ConfState",
    "Config",
    "ConfigError",
    "Entry",
    "EntryType",
    "HardState",
    "LogCompacted",
    "LogUnavailable",
    "MemoryStorage",
    "Message",
    "MessageType",
    "Mutant",
    "ProgressState",
    "ProgressStatus",
    "ProposalDropped",
    "RaftError",
    "RawNode",
    "ReadState",
    "Ready",
    "Snapshot",
    "SnapshotMetadata",
    "SnapshotOutOfDate",
    "SoftState",
    "StateRole",
    "Status",
    "StepError",
    "Storage",
    "decode_message",
    "describe_entry",
    "describe_message",
    "encode_message",
]
