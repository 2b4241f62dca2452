"""Every lab, by name, in handout order."""

from __future__ import annotations

from pathlib import Path

from labs.kit.lab import Check, Lab

_HERE = Path(__file__).resolve().parent

_S = "labs.store.grader:"
STORE = Lab(
    name="store",
    part=1,
    title="the MVCC Store contract: revisions, history, txns, watches, leases",
    folder=_HERE / "store",
    impl_module="mystore",
    impl_attr="open_my_store",
    reference="components.store.memory:open_memory_store",
    checks=(
        Check(
            "kv",
            20,
            "revisions, key metadata, ranges, limits and deletes follow the contract",
            "kernel/interfaces/store.py: Revision, Per key and Ranges",
            _S + "kv_rules",
            60,
        ),
        Check(
            "history",
            15,
            "reads at old revisions and compaction follow the contract",
            "keep every version of a key with its mod_revision; compact drops older ones",
            _S + "history_rules",
            60,
        ),
        Check(
            "txn",
            15,
            "txns evaluate every compare and run one branch atomically",
            "a missing key has 0 for numbers; reads in a branch see its earlier writes",
            _S + "txn_rules",
            60,
        ),
        Check(
            "watch",
            20,
            "watches replay from start_revision, then go live, no gaps",
            "replay history from start_revision before live events; one request, one revision",
            _S + "watch_rules",
            90,
        ),
        Check(
            "lease",
            10,
            "leases expire in virtual time and delete their keys in one revision",
            "read time from the clock you were given and sleep with trio.sleep",
            _S + "lease_rules",
            90,
        ),
        Check(
            "model",
            15,
            "random request sequences answer as StoreModel does",
            "the differing request is shown; the page holds the whole shrunk sequence",
            _S + "model_test",
            120,
        ),
        Check(
            "seeded",
            5,
            "60 seeded requests answer as StoreModel does, under any hash seed",
            "iterate keys in sorted order, never a set's order",
            _S + "seeded_workload",
            60,
            deterministic=True,
        ),
    ),
    mutants=(
        "labs.store.mutants:open_no_more",
        "labs.store.mutants:open_txn_ignores_compares",
        "labs.store.mutants:open_watch_from_now",
        "labs.store.mutants:open_old_reads_see_now",
    ),
)

LABS: dict[str, Lab] = {lab.name: lab for lab in (STORE,)}


def get_lab(name: str) -> Lab:
    """The lab called `name`; `KeyError` naming the known labs otherwise."""
    try:
        return LABS[name]
    except KeyError:
        raise KeyError(f"no lab {name!r}; known: {', '.join(LABS)}") from None
