"""The simulated network: datagrams between named hosts, with faults from seeded generators.

Latency, loss, duplication, reordering and partitions are drawn per link from the seed.

Semantics (like UDP between processes): `send` never blocks and never fails; a message is
dropped if a partition blocks the link when it is sent or when it arrives, if the link loses it,
or if the destination is down when it arrives; it may arrive twice (duplication) or after a
later message (reordering, or simply a longer sampled latency). A paused destination holds its
messages until it resumes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from fault_injection.sim.latency import Constant, Latency
from fault_injection.sim.partitions import Partition

if TYPE_CHECKING:
    from fault_injection.sim.dispatcher import Dispatcher
    from fault_injection.sim.rng import RngTree
    from fault_injection.sim.trace import Trace


class Message(NamedTuple):
    """One datagram. A NamedTuple (cheap to build) because big simulations send millions.

    Payloads are values: never mutate one after sending it (the receiver gets the same object).
    """

    id: int
    """Unique per world, in send order (a duplicate keeps its original's id)."""
    src: str
    """Sending host."""
    dst: str
    """Destination host."""
    payload: Any
    """What was sent."""
    sent_at: float
    """Virtual send time."""


def _probability(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be a probability in [0, 1], got {value!r}")


@attrs.frozen
class LinkConfig:
    """How one directed link (or, as the network default, every link) behaves."""

    latency: Latency = attrs.field(factory=lambda: Constant(0.001))
    """One-way delay distribution (see `latency`)."""
    loss: float = attrs.field(default=0.0, validator=_probability)
    """Probability a message is lost."""
    duplicate: float = attrs.field(default=0.0, validator=_probability)
    """Probability a message is delivered twice (each copy with its own latency)."""
    reorder: float = attrs.field(default=0.0, validator=_probability)
    """Probability a message is held back by up to `reorder_window` extra seconds."""
    reorder_window: float = 0.05
    """Largest extra delay of a held-back message, in seconds."""


@attrs.frozen
class LinkStatistics:
    """Counters of one directed link (`Network.statistics`)."""

    sent: int
    """`send` calls."""
    delivered: int
    """Copies handed to the destination process (duplicates count twice)."""
    dropped: int
    """Copies lost: link loss, partitions, destination down."""
    duplicated: int
    """Messages that got a second copy."""
    reordered: int
    """Copies delivered after a copy of a later-sent message on the same link."""


class _Link:
    """Mutable per-link state: seeded generator, config and counters."""

    __slots__ = (
        "config",
        "delivered",
        "dropped",
        "duplicated",
        "last_id",
        "reordered",
        "rng",
        "sent",
    )

    def __init__(self, rng: random.Random, config: LinkConfig) -> None:
        self.rng = rng
        self.config = config
        self.sent = self.delivered = self.dropped = self.duplicated = self.reordered = 0
        self.last_id = -1


@attrs.frozen
class LinkFaults:
    """Network-wide fault floors applied on top of every link's own config (nemeses set these)."""

    loss: float = attrs.field(default=0.0, validator=_probability)
    """At least this loss probability on every link."""
    duplicate: float = attrs.field(default=0.0, validator=_probability)
    """At least this duplication probability on every link."""
    reorder: float = attrs.field(default=0.0, validator=_probability)
    """At least this reordering probability on every link."""


Receiver = Callable[[Message], None]


class Network:
    """Delivers datagrams between hosts via the world's dispatcher; partitions and link faults."""

    def __init__(
        self, dispatcher: Dispatcher, trace: Trace, rngs: RngTree, default: LinkConfig
    ) -> None:
        self._dispatcher = dispatcher
        self._trace = trace
        self._rngs = rngs
        self._default = default
        self._overrides: dict[tuple[str, str], LinkConfig] = {}
        self._links: dict[tuple[str, str], _Link] = {}
        self._receivers: dict[str, Receiver] = {}
        self._partitions: list[Partition] = []
        self._faults = LinkFaults()
        self._next_id = 0

    # -- wiring (the world registers hosts) ------------------------------------------------
    def attach(self, host: str, receiver: Receiver) -> None:
        """Route messages for `host` to `receiver` (called by `World.add_host`)."""
        self._receivers[host] = receiver

    # -- configuration --------------------------------------------------------------------
    def configure(self, src: str, dst: str, config: LinkConfig) -> None:
        """Give the directed link src -> dst its own latency/loss/dup/reorder settings."""
        self._overrides[(src, dst)] = config
        link = self._links.get((src, dst))
        if link is not None:
            link.config = self._effective(config)

    def configure_default(self, config: LinkConfig) -> None:
        """Change the settings of every link without its own configuration."""
        self._default = config
        self._refresh()

    def set_faults(self, faults: LinkFaults) -> None:
        """Set network-wide loss/duplicate/reorder floors (`LinkFaults()` clears them)."""
        self._faults = faults
        self._refresh()

    @property
    def faults(self) -> LinkFaults:
        """The current network-wide fault floors."""
        return self._faults

    def _refresh(self) -> None:
        for key, link in self._links.items():
            link.config = self._effective(self._overrides.get(key, self._default))

    def _effective(self, config: LinkConfig) -> LinkConfig:
        f = self._faults
        if f == LinkFaults():
            return config
        return attrs.evolve(
            config,
            loss=max(config.loss, f.loss),
            duplicate=max(config.duplicate, f.duplicate),
            reorder=max(config.reorder, f.reorder),
        )

    # -- partitions ------------------------------------------------------------------------
    def partition(self, partition: Partition) -> Partition:
        """Apply a partition (on top of any already active) and return it, for `unpartition`."""
        self._partitions.append(partition)
        self._trace.record(self._dispatcher_now(), "partition", (partition.describe(),))
        return partition

    def unpartition(self, partition: Partition) -> None:
        """Lift one partition applied earlier (others stay)."""
        self._partitions.remove(partition)
        self._trace.record(self._dispatcher_now(), "unpartition", (partition.kind,))

    def heal(self) -> None:
        """Lift every partition and clear network-wide link faults."""
        self._partitions.clear()
        self.set_faults(LinkFaults())
        self._trace.record(self._dispatcher_now(), "heal", ())

    @property
    def partitions(self) -> tuple[Partition, ...]:
        """Active partitions, oldest first."""
        return tuple(self._partitions)

    def reachable(self, src: str, dst: str) -> bool:
        """Whether no active partition blocks src -> dst (loss aside)."""
        return not any(p.blocks(src, dst) for p in self._partitions)

    # -- statistics ------------------------------------------------------------------------
    def statistics(self, src: str, dst: str) -> LinkStatistics:
        """Counters of the directed link src -> dst (all zero if never used)."""
        link = self._links.get((src, dst))
        if link is None:
            return LinkStatistics(0, 0, 0, 0, 0)
        return LinkStatistics(
            link.sent, link.delivered, link.dropped, link.duplicated, link.reordered
        )

    def all_statistics(self) -> dict[tuple[str, str], LinkStatistics]:
        """Counters of every link used so far, keyed (src, dst), sorted."""
        return {k: self.statistics(*k) for k in sorted(self._links)}

    def totals(self) -> LinkStatistics:
        """Counters summed over all links."""
        links = self._links.values()
        return LinkStatistics(
            sum(x.sent for x in links),
            sum(x.delivered for x in links),
            sum(x.dropped for x in links),
            sum(x.duplicated for x in links),
            sum(x.reordered for x in links),
        )

    # -- the data path ---------------------------------------------------------------------
    def _dispatcher_now(self) -> float:
        return self._dispatcher.now()

    def _link(self, src: str, dst: str) -> _Link:
        key = (src, dst)
        link = self._links.get(key)
        if link is None:
            if dst not in self._receivers:
                raise ValueError(f"no host named {dst!r} (hosts: {sorted(self._receivers)})")
            config = self._effective(self._overrides.get(key, self._default))
            link = _Link(self._rngs.rng(f"link/{src}->{dst}"), config)
            self._links[key] = link
        return link

    def send(self, src: str, dst: str, payload: Any, now: float) -> None:
        """Send one datagram at virtual time `now` (hosts call this through `Process.send`)."""
        link = self._link(src, dst)
        link.sent += 1
        self._next_id += 1
        msg = Message(self._next_id, src, dst, payload, now)
        trace = self._trace
        trace.record(now, "send", (msg.id, src, dst, payload))
        if self._partitions and not self.reachable(src, dst):
            link.dropped += 1
            trace.record(now, "drop", (msg.id, "partition"))
            return
        config = link.config
        rng = link.rng
        if config.loss and rng.random() < config.loss:
            link.dropped += 1
            trace.record(now, "drop", (msg.id, "loss"))
            return
        copies = 1
        if config.duplicate and rng.random() < config.duplicate:
            copies = 2
            link.duplicated += 1
        call_at = self._dispatcher.call_at
        for _ in range(copies):
            delay = config.latency.sample(rng)
            if config.reorder and rng.random() < config.reorder:
                delay += rng.uniform(0.0, config.reorder_window)
            call_at(now + delay, self._arrive, msg, link)

    def _arrive(self, msg: Message, link: _Link) -> None:
        if self._partitions and not self.reachable(msg.src, msg.dst):
            self.dropped(msg, "partition", link)
            return
        self._receivers[msg.dst](msg)

    def delivered(self, msg: Message, now: float) -> None:
        """Count and trace a copy handed to its destination process (called by the host)."""
        link = self._links[(msg.src, msg.dst)]
        link.delivered += 1
        if msg.id < link.last_id:
            link.reordered += 1
        else:
            link.last_id = msg.id
        self._trace.record(now, "deliver", (msg.id,))

    def dropped(self, msg: Message, reason: str, link: _Link | None = None) -> None:
        """Count and trace a copy that will never be delivered (called by the host if down)."""
        if link is None:
            link = self._links[(msg.src, msg.dst)]
        link.dropped += 1
        self._trace.record(self._dispatcher_now(), "drop", (msg.id, reason))
