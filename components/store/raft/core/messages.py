"""Values exchanged by Raft cores: log entries, snapshots, messages and persistent state.

Everything here is an immutable value (``attrs.frozen``) so a driver may keep, queue,
duplicate or re-order them without aliasing surprises. Shapes follow etcd-io/raft's
``raftpb`` so students can read etcd's code and ours side by side.
"""

from __future__ import annotations

import enum

import attrs

NONE = 0
"""Node id meaning "nobody" (no leader, no vote). Real node ids are positive integers."""


class MessageType(enum.IntEnum):
    """The kind of a :class:`Message`; local ones (``MsgHup``, ``MsgBeat``) never leave a node."""

    MsgHup = 0
    """Local: start an election (``campaign()``)."""
    MsgBeat = 1
    """Local: the leader should send heartbeats."""
    MsgProp = 2
    """A client proposal; followers forward it to the leader."""
    MsgApp = 3
    """AppendEntries RPC (section 5.3)."""
    MsgAppResp = 4
    """AppendEntries response; ``reject`` plus a hint when the log does not match."""
    MsgVote = 5
    """RequestVote RPC (section 5.2)."""
    MsgVoteResp = 6
    """RequestVote response."""
    MsgSnap = 7
    """InstallSnapshot RPC (section 7)."""
    MsgHeartbeat = 8
    """Empty AppendEntries that carries the commit index and a read-index context."""
    MsgHeartbeatResp = 9
    """Heartbeat response, echoing the read-index context."""
    MsgTransferLeader = 10
    """Ask the leader to hand leadership to ``from_`` (thesis section 3.10)."""
    MsgTimeoutNow = 11
    """Leader to transferee: campaign now, ignoring leases."""
    MsgReadIndex = 12
    """Linearizable read request (thesis section 6.4)."""
    MsgReadIndexResp = 13
    """Leader to follower: the read index for a forwarded request."""
    MsgPreVote = 14
    """Pre-vote request: would you vote for me at ``term``? (thesis section 9.6)."""
    MsgPreVoteResp = 15
    """Pre-vote response."""


class EntryType(enum.IntEnum):
    """What an entry's ``data`` holds."""

    Normal = 0
    """Application data (empty data: the leader's no-op entry of its term)."""
    ConfChange = 1
    """An encoded :class:`ConfChange`."""


class ConfChangeType(enum.IntEnum):
    """One-server membership change kinds (thesis section 4.1)."""

    AddNode = 0
    RemoveNode = 1


class StateRole(enum.IntEnum):
    """The role a node currently plays."""

    Follower = 0
    Candidate = 1
    Leader = 2
    PreCandidate = 3


@attrs.frozen(slots=True)
class Entry:
    """One log entry: the unit of replication."""

    term: int
    """Term of the leader that created the entry."""
    index: int
    """Position in the log, starting at 1."""
    type: EntryType = EntryType.Normal
    """How to interpret ``data``."""
    data: bytes = b""
    """Opaque payload for the state machine."""

    def size(self) -> int:
        """Approximate encoded size, used for flow control and batching."""
        return len(self.data) + 24


@attrs.frozen(slots=True)
class ConfChange:
    """Add or remove a single voter; takes effect when its entry is applied."""

    type: ConfChangeType
    node_id: int

    def encode(self) -> bytes:
        """Bytes stored in a ``ConfChange`` entry."""
        return b"%d:%d" % (int(self.type), self.node_id)

    @classmethod
    def decode(cls, data: bytes) -> ConfChange:
        """Inverse of :meth:`encode`."""
        kind, node = data.split(b":")
        return cls(ConfChangeType(int(kind)), int(node))


@attrs.frozen(slots=True)
class ConfState:
    """The set of voters, as recorded in snapshots."""

    voters: tuple[int, ...] = ()


@attrs.frozen(slots=True)
class SnapshotMetadata:
    """Where a snapshot sits in the log and which configuration it holds."""

    index: int = 0
    term: int = 0
    conf_state: ConfState = ConfState()


@attrs.frozen(slots=True)
class Snapshot:
    """Application state up to ``metadata.index``; replaces the log prefix it covers."""

    metadata: SnapshotMetadata = SnapshotMetadata()
    data: bytes = b""

    @property
    def is_empty(self) -> bool:
        """True for the placeholder snapshot at index 0."""
        return self.metadata.index == 0


EMPTY_SNAPSHOT = Snapshot()


@attrs.frozen(slots=True)
class HardState:
    """State that must be on stable storage before any message depending on it is sent."""

    term: int = 0
    """Latest term this node has seen."""
    vote: int = NONE
    """Candidate voted for in ``term`` (``NONE``: no vote yet)."""
    commit: int = 0
    """Highest index known committed (persisting it is an optimisation, not for safety)."""


EMPTY_HARD_STATE = HardState()


@attrs.frozen(slots=True)
class SoftState:
    """Volatile state a driver may want to observe; never persisted."""

    lead: int
    """Current leader id, ``NONE`` when unknown."""
    role: StateRole


@attrs.frozen(slots=True)
class ReadState:
    """A linearizable read may be served once the state machine has applied ``index``."""

    index: int
    request_ctx: bytes


@attrs.frozen(slots=True)
class Message:
    """One message between Raft cores (or a local input, for the local types)."""

    type: MessageType
    to: int
    from_: int
    term: int = 0
    """Sender's term; 0 for local messages and proposals."""
    log_term: int = 0
    """MsgApp: term of the entry at ``index``; votes: candidate's last term; reject hint term."""
    index: int = 0
    """MsgApp: index preceding ``entries``; votes: candidate's last index; responses: index."""
    entries: tuple[Entry, ...] = ()
    commit: int = 0
    snapshot: Snapshot | None = None
    reject: bool = False
    reject_hint: int = 0
    """On a rejected MsgAppResp: the follower's guess of where the logs may match."""
    context: bytes = b""
    """Read-index request context, or ``CAMPAIGN_TRANSFER`` on a forced election."""


CAMPAIGN_TRANSFER = b"CampaignTransfer"
"""Vote context marking an election started by leadership transfer (bypasses leases)."""

LOCAL_MESSAGES = frozenset({MessageType.MsgHup, MessageType.MsgBeat})
RESPONSE_MESSAGES = frozenset(
    {
        MessageType.MsgAppResp,
        MessageType.MsgVoteResp,
        MessageType.MsgHeartbeatResp,
        MessageType.MsgPreVoteResp,
        MessageType.MsgReadIndexResp,
    }
)


def vote_response_type(kind: MessageType) -> MessageType:
    """The response type for a (pre-)vote request."""
    return MessageType.MsgVoteResp if kind == MessageType.MsgVote else MessageType.MsgPreVoteResp


def describe_entry(entry: Entry) -> str:
    """Short readable form, e.g. ``2/5 EntryNormal "put x"``, used in golden files."""
    if entry.type == EntryType.ConfChange:
        cc = ConfChange.decode(entry.data)
        return f"{entry.term}/{entry.index} {cc.type.name} {cc.node_id}"
    return f"{entry.term}/{entry.index} EntryNormal {entry.data.decode(errors='replace')!r}"


def describe_message(m: Message) -> str:
    """Short readable form of a message, stable for golden files."""
    parts = [f"{m.from_}->{m.to} {m.type.name} Term:{m.term} Log:{m.log_term}/{m.index}"]
    if m.commit:
        parts.append(f"Commit:{m.commit}")
    if m.reject:
        parts.append(f"Rejected (Hint: {m.reject_hint})")
    if m.entries:
        parts.append("Entries:[" + ", ".join(describe_entry(e) for e in m.entries) + "]")
    if m.context:
        parts.append(f"Context:{m.context.decode(errors='replace')}")
    if m.snapshot is not None:
        md = m.snapshot.metadata
        parts.append(
            f"Snapshot: Index:{md.index} Term:{md.term} Voters:{list(md.conf_state.voters)}"
        )
    return " ".join(parts)
