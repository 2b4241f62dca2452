"""Client sessions apply a retried command once, and replicas agree on the session table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.store.raft.sessions import SessionTable, Verdict

# A log of commands (client, request id); retries repeat earlier pairs, possibly late.
commands = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 6)),
    max_size=60,
)


def apply_log(
    log: list[tuple[int, int]], table: SessionTable, start: int = 0
) -> tuple[dict[tuple[int, int], int], list[bytes | None]]:
    """Apply ``log`` through ``table``; how often each request applied, and the replies."""
    applied: dict[tuple[int, int], int] = {}
    replies: list[bytes | None] = []
    for index, (client, request) in enumerate(log, start=start + 1):
        found = table.lookup(client, request)
        if found.verdict is Verdict.APPLY:
            reply = b"applied at %d" % index  # what a real reply holds: its revision
            table.record(client, request, reply, index)
            applied[(client, request)] = applied.get((client, request), 0) + 1
            replies.append(reply)
        elif found.verdict is Verdict.DUPLICATE:
            replies.append(found.reply)
        else:
            replies.append(None)
    return applied, replies


@given(commands)
def test_a_retried_request_applies_once_and_gets_the_first_reply(
    log: list[tuple[int, int]],
) -> None:
    applied, replies = apply_log(log, SessionTable())
    assert all(n == 1 for n in applied.values())
    first: dict[tuple[int, int], bytes] = {}
    for cmd, reply in zip(log, replies, strict=True):
        if reply is not None and cmd in first:
            assert reply == first[cmd], f"retry of {cmd} got a different reply"
        if reply is not None:
            first.setdefault(cmd, reply)


@given(commands, st.integers(0, 60), st.integers(1, 3))
def test_a_replica_restored_from_a_snapshot_agrees(
    log: list[tuple[int, int]], cut: int, max_sessions: int
) -> None:
    """A replica that installs a snapshot of the table mid-log ends equal to one that
    applied the whole log (same sessions, same evictions)."""
    cut = min(cut, len(log))
    whole = SessionTable(max_sessions)
    apply_log(log, whole)
    head = SessionTable(max_sessions)
    apply_log(log[:cut], head)
    restored = SessionTable.decode(head.encode())
    assert restored == head
    apply_log(log[cut:], restored, start=cut)
    assert restored == whole


def test_stale_request_and_eviction() -> None:
    table = SessionTable(max_sessions=2)
    table.record(1, 5, b"a", index=1)
    assert table.lookup(1, 4).verdict is Verdict.STALE
    assert table.lookup(1, 5).reply == b"a"
    table.record(2, 1, b"b", index=2)
    table.record(3, 1, b"c", index=3)  # evicts client 1, touched longest ago
    assert len(table) == 2
    assert table.lookup(1, 5).verdict is Verdict.APPLY


def test_record_refuses_an_old_request() -> None:
    table = SessionTable()
    table.record(1, 2, b"x", index=1)
    with pytest.raises(ValueError, match="not newer"):
        table.record(1, 2, b"y", index=2)
    with pytest.raises(ValueError, match="max_sessions"):
        SessionTable(0)
