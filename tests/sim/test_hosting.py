"""`kernel.hosting`: the simulator's processes are the hosts node programs are written against."""

from __future__ import annotations

from kernel.hosting import Envelope, HostDisk, NodeHost


async def _node(host: NodeHost) -> None:
    """A node written against kernel.hosting only: persist, sleep, message a peer."""
    host.disk.write("boot", str(host.rng.randrange(10)).encode())
    host.disk.fsync("boot")
    await host.sleep(1.0)
    host.send(host.peers[0], ("hello", host.clock.now() >= 1.0))


def test_a_sim_process_is_a_node_host(sim) -> None:
    seen: list[object] = []

    async def sink(host: NodeHost) -> None:
        seen.append(isinstance(host, NodeHost))
        seen.append(isinstance(host.disk, HostDisk))
        msg = await host.recv()
        seen.append(isinstance(msg, Envelope))
        seen.append((msg.src, msg.dst, msg.payload))

    async def scenario(world) -> None:
        world.add_host("sink", sink)
        world.add_host("node", _node)
        await world.sleep(2)
        world.crash("node")
        return world.host("node").disk.read("boot")

    result = sim.run(scenario)
    assert seen == [True, True, True, ("node", "sink", ("hello", True))]
    assert result.value.isdigit()  # synced before the crash, so it survived
