"""The `Env` conformance kit: the same checks for the real and the simulated world.

Each check is an async function raising `AssertionError` on a broken rule; tests run them
over `kernel.env.open_real_env` (loopback) and `fault_injection.sim.SimEnv` alike.
"""

from __future__ import annotations

import trio

from kernel.env import Env, NetRefusedError


async def check_timers(env: Env) -> None:
    """Timers fire in deadline order, ties in the order set; a cancelled timer never fires."""
    fired: list[str] = []
    start = env.monotonic()
    env.call_at(start + 0.03, fired.append, "c")
    env.call_at(start + 0.01, fired.append, "a")
    env.call_at(start + 0.01, fired.append, "b")  # same deadline: after "a", set first
    env.call_later(0.02, fired.append, "x").cancel()
    await env.sleep(0.1)
    assert fired == ["a", "b", "c"], f"timers fired as {fired}, expected ['a', 'b', 'c']"
    assert env.monotonic() - start >= 0.1, "sleep returned early"


def check_rng(env: Env) -> None:
    """The same name path gives the same stream; different paths give different streams."""
    a = [env.rng("scheduler").random() for _ in range(3)]
    b = [env.rng("scheduler").random() for _ in range(3)]
    c = [env.rng("kubelet", "node-1").random() for _ in range(3)]
    assert a == b, "rng('scheduler') is not reproducible"
    assert a != c, "rng('kubelet', 'node-1') repeats rng('scheduler')"


async def _echo(stream: trio.abc.Stream) -> None:
    while data := await stream.receive_some(65536):
        await stream.send_all(data.upper())
    await stream.aclose()


async def check_tcp_echo(server: Env, client: Env, ip: str) -> None:
    """An echo server on `server` answers a client on `client`; close gives EOF."""
    listener = await server.net.listen_tcp(ip, 0)
    port = listener.address[1]
    assert port != 0, "listen_tcp(…, 0) must report the port it bound"

    async def serve() -> None:
        stream = await listener.accept()
        await _echo(stream)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        stream = await client.net.connect_tcp(ip, port, timeout=5)
        payload = b"hello " * 20000  # bigger than one segment / socket buffer read
        await stream.send_all(payload)
        got = bytearray()
        while len(got) < len(payload):
            chunk = await stream.receive_some(65536)
            assert chunk, "stream ended before the echo was complete"
            got += chunk
        assert bytes(got) == payload.upper(), "echo came back different"
        await stream.aclose()
    await listener.aclose()


async def check_udp_echo(server: Env, client: Env, ip: str) -> None:
    """A datagram to a bound UDP socket is answered to its sender's address."""
    srv = await server.net.bind_udp(ip, 0)
    cli = await client.net.bind_udp(ip if client is server else _client_ip(client, ip), 0)

    async def serve() -> None:
        data, src = await srv.receive_from()
        await srv.send_to(data[::-1], src)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        await cli.send_to(b"ping", srv.address)
        with trio.fail_after(5):
            data, src = await cli.receive_from()
        assert data == b"gnip", f"udp echo returned {data!r}"
        assert src == srv.address, f"reply came from {src}, not {srv.address}"
    await srv.aclose()
    await cli.aclose()


def _client_ip(client: Env, fallback: str) -> str:
    return getattr(client, "ip", None) or fallback


async def check_refused(client: Env, ip: str, port: int) -> None:
    """A connect to a port nobody listens on raises `NetRefusedError` (a ConnectionRefusedError)."""
    try:
        stream = await client.net.connect_tcp(ip, port, timeout=5)
    except NetRefusedError:
        return
    await stream.aclose()
    raise AssertionError(f"connect to {ip}:{port} succeeded; expected NetRefusedError")


__all__ = ["check_refused", "check_rng", "check_tcp_echo", "check_timers", "check_udp_echo"]
