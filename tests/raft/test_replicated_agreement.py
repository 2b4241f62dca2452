"""Agreement: the same random operations on the memory store and the Raft store give the
same results, errors included (after Hypothesis' test_database_agreement)."""

from __future__ import annotations

import trio
from hypothesis import given, settings
from hypothesis import strategies as st
from trio.testing import MockClock

from components.store.memory import open_memory_store
from components.store.raft import open_raft_store
from kernel.interfaces.store import StoreError

keys = st.sampled_from([b"a", b"b", b"c", b"d"])
ops = st.lists(
    st.one_of(
        st.tuples(st.just("put"), keys, st.binary(max_size=3)),
        st.tuples(st.just("delete_range"), keys, st.sampled_from([None, b"c", b"\0"])),
        st.tuples(st.just("range"), keys, st.sampled_from([None, b"e"]), st.integers(0, 8)),
        st.tuples(st.just("compact"), st.integers(0, 8)),
    ),
    max_size=25,
)


async def run_ops(store: object, program: list[tuple[object, ...]]) -> list[object]:
    out: list[object] = []
    for name, *args in program:
        try:
            if name == "range":
                key, end, rev = args
                out.append(await store.range(key, end, revision=rev))  # type: ignore[attr-defined]
            else:
                out.append(await getattr(store, str(name))(*args))
        except StoreError as exc:
            out.append((type(exc).__name__, str(exc)))
    return out


@settings(max_examples=25, deadline=None)
@given(ops, st.integers(0, 3))
def test_raft_store_agrees_with_memory_store(program: list[tuple[object, ...]], seed: int) -> None:
    async def both() -> tuple[list[object], list[object]]:
        async with open_memory_store() as memory:
            expected = await run_ops(memory, program)
        async with open_raft_store(members=3, seed=seed) as raft:
            actual = await run_ops(raft, program)
        return expected, actual

    expected, actual = trio.run(both, clock=MockClock(autojump_threshold=0))
    assert actual == expected
