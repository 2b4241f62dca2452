"""Breadth-first exploration of a system's states with state hashing and budgets.

Every choice the system offers in a state (deliver this message, drop it, fire a timeout,
crash a node...) is tried from a copy of that state; a state whose fingerprint was seen
before is pruned. Breadth-first order makes the first violation found a shortest one. The
engine knows nothing of Raft: a `System` names the choices, applies one and judges a state.
States are copied by pickling, so a system's state must pickle (plain objects do).
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import pickle
import random
import time
from collections import deque
from collections.abc import Hashable, Sequence
from typing import Any, Protocol

import attrs

Action = tuple[Hashable, ...]
"""One choice, as plain values (it is printed, stored as JSON and replayed)."""


class System(Protocol):
    """What the engine explores: the initial state, the choices, one step and a judgement."""

    def initial(self) -> Any:
        """A fresh initial state (the engine never mutates a state it keeps)."""

    def actions(self, state: Any) -> Sequence[Action]:
        """Every choice in ``state``, in a fixed order (so a search replays)."""

    def apply(self, state: Any, action: Action) -> str | None:
        """Carry out ``action`` on ``state`` in place; the broken invariant, if any."""

    def describe(self, state: Any, action: Action) -> str:
        """One readable line for ``action`` taken in ``state`` (before applying it)."""


@attrs.frozen
class Budget:
    """Where the search stops: depth, distinct states and wall-clock seconds (0: no limit)."""

    max_depth: int = 12
    max_states: int = 100_000
    seconds: float = 0.0


@attrs.frozen
class Step:
    """One step of a counterexample: the action and how it reads."""

    action: Action
    text: str


@attrs.frozen
class SearchResult:
    """What a search saw; ``violation`` and ``trace`` are set when an invariant broke."""

    states: int
    """Distinct states reached (after pruning)."""
    transitions: int
    """Actions applied (each one a copied state)."""
    depth: int
    """Deepest level any state was reached at."""
    complete_depth: int
    """Every run of up to this many steps was checked (the bound the result proves)."""
    seconds: float
    stopped: str
    """Why it stopped: violation, exhausted (no new states), depth, states or time."""
    violation: str | None = None
    trace: tuple[Step, ...] = ()

    @property
    def states_per_second(self) -> float:
        """Distinct states per wall-clock second."""
        return self.states / self.seconds if self.seconds > 0 else 0.0


def _no_rng(_rng: random.Random) -> tuple[Any, tuple[()]]:
    return (tuple, ())


_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[random.Random] = _no_rng
"""Random generators hash as nothing: they are not state a node acts on (their draws land in
its fields), and their draw count would otherwise keep equal states apart."""


def fingerprint(state: Any) -> bytes:
    """A digest of ``state``: equal digests are treated as the same state."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(state)
    return hashlib.blake2b(buf.getbuffer(), digest_size=16).digest()


def _apply(system: System, state: Any, action: Action) -> str | None:
    try:
        return system.apply(state, action)
    except AssertionError as exc:
        return str(exc) or type(exc).__name__
    except Exception as exc:  # a crash of the code under test is a finding too
        return f"crash: {type(exc).__name__}: {exc}"


def explore(system: System, budget: Budget) -> SearchResult:
    """Breadth-first search from ``system.initial()`` within ``budget``."""
    start = time.monotonic()
    root = system.initial()
    seen = {fingerprint(root)}
    parents: list[tuple[int, Action]] = [(-1, ())]
    frontier: deque[tuple[bytes, int, int]] = deque([(pickle.dumps(root), 0, 0)])
    transitions = 0
    depth = 0
    complete = 0
    stopped = "exhausted"
    while frontier:
        blob, node, level = frontier.popleft()
        if level >= budget.max_depth:
            stopped, complete = "depth", budget.max_depth
            break
        complete = level  # every run of `level` steps has been checked
        if budget.seconds and time.monotonic() - start > budget.seconds:
            stopped = "time"
            break
        if len(seen) >= budget.max_states:
            stopped = "states"
            break
        for action in system.actions(pickle.loads(blob)):  # noqa: S301 - our own states
            state = pickle.loads(blob)  # noqa: S301
            transitions += 1
            violation = _apply(system, state, action)
            if violation is not None:
                path = [*_path(parents, node), action]
                return SearchResult(
                    states=len(seen),
                    transitions=transitions,
                    depth=level + 1,
                    complete_depth=level,
                    seconds=time.monotonic() - start,
                    stopped="violation",
                    violation=violation,
                    trace=replay(system, path)[0],
                )
            digest = fingerprint(state)
            if digest in seen:
                continue
            seen.add(digest)
            parents.append((node, action))
            frontier.append((pickle.dumps(state), len(parents) - 1, level + 1))
            depth = max(depth, level + 1)
    else:
        complete = depth  # nothing new anywhere: every reachable state was checked
    return SearchResult(
        states=len(seen),
        transitions=transitions,
        depth=depth,
        complete_depth=complete,
        seconds=time.monotonic() - start,
        stopped=stopped,
    )


def _path(parents: list[tuple[int, Action]], node: int) -> list[Action]:
    out: list[Action] = []
    while node > 0:
        node, action = parents[node]
        out.append(action)
    out.reverse()
    return out


def replay(system: System, actions: Sequence[Action]) -> tuple[tuple[Step, ...], str | None]:
    """Run ``actions`` from the initial state: the steps as read, and the violation if any.

    ``ValueError`` names the first action the state does not offer (a stale trace).
    """
    state = system.initial()
    steps: list[Step] = []
    for i, action in enumerate(actions):
        action = tuple(action)
        if action not in system.actions(state):
            raise ValueError(f"step {i + 1}: {action!r} is not a choice in that state")
        steps.append(Step(action, system.describe(state, action)))
        violation = _apply(system, state, action)
        if violation is not None:
            return tuple(steps), violation
    return tuple(steps), None
