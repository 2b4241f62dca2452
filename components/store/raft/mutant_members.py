"""Member programs with one deliberate core bug each, for the chaos harness and the labs.

``--program components.store.raft.mutant_members:read_without_read_index`` runs the member
with `Mutant.READ_WITHOUT_READ_INDEX`; every `Mutant` is available under its lower-case name.
"""

from __future__ import annotations

from components.store.raft.core.mutants import Mutant
from components.store.raft.member import NodeProgram, make_member

PROGRAMS: dict[str, NodeProgram] = {
    m.name.lower(): make_member(mutants=frozenset({m})) for m in Mutant
}
"""One member program per mutant, by the mutant's lower-case name."""


def __getattr__(name: str) -> NodeProgram:
    try:
        return PROGRAMS[name]
    except KeyError:
        raise AttributeError(
            f"no mutant member {name!r}; choose from: {', '.join(sorted(PROGRAMS))}"
        ) from None


__all__ = ["PROGRAMS"]
