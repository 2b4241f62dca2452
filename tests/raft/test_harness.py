"""The packaged harness drives any node keeping the contract, not only the reference."""

from __future__ import annotations

import random
from pathlib import Path

from components.store.raft.core import Config, ConfState, Message, RawNode, Ready, Status, Storage
from components.store.raft.harness.chaos import Features, run_seed
from components.store.raft.harness.script import Interpreter, parse, render

TESTDATA = Path(__file__).parent / "testdata"


class ContractOnly:
    """The reference behind exactly the contract's methods (no ``.raft`` to peek into)."""

    def __init__(self, config: Config, storage: Storage, rng: random.Random) -> None:
        self._inner = RawNode(config, storage, rng)

    def tick(self) -> None:
        self._inner.tick()

    def campaign(self) -> None:
        self._inner.campaign()

    def propose(self, data: bytes) -> None:
        self._inner.propose(data)

    def read_index(self, context: bytes) -> None:
        self._inner.read_index(context)

    def step(self, message: Message) -> None:
        self._inner.step(message)

    def ready(self) -> Ready | None:
        return self._inner.ready()

    def advance(self, rd: Ready) -> None:
        self._inner.advance(rd)

    def status(self) -> Status:
        return self._inner.status()

    @property
    def conf_state(self) -> ConfState:
        return self._inner.conf_state


def test_a_contract_only_node_replays_a_golden_script() -> None:
    """campaign and replication scripts print the same through the contract alone."""
    for name in ("campaign.txt", "replication.txt", "snapshot.txt"):
        text = (TESTDATA / name).read_text()
        blocks = parse(text)
        interp = Interpreter(node_factory=ContractOnly)
        outputs = [interp.run(b.command) for b in blocks]
        assert render(blocks, outputs) == text, name


def test_chaos_runs_a_contract_only_node_like_the_reference() -> None:
    """The same seed gives the same run through the contract as with the reference."""
    feats = Features(transfers=False)
    for seed in range(5):
        mine = run_seed(seed, node_factory=ContractOnly, features=feats, check_log_matching=True)
        ref = run_seed(seed, features=feats, check_log_matching=True)
        assert mine == ref
        assert mine.error is None
