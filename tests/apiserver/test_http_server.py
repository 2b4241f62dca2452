"""The lean HTTP/1.1 front end on the wire: framing, keep-alive, errors, streaming, shutdown."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import trio

from components.apiserver.auth import ADMIN_USER, UserInfo
from components.apiserver.h1 import ProtocolError, parse_head
from components.apiserver.loadgen import parse_response, pod_body, take_chunks
from components.apiserver.server import APIServer
from components.apiserver.serving import DirectWriter, open_http_server
from components.apiserver.up_tls import prepare_tls
from kernel.api.requests import Target
from kernel.client.tls import client_context
from kernel.interfaces.store import Store
from kernel.objects import resource_for_kind
from tests.apiserver.fakes import pod

PODS = "/api/v1/namespaces/default/pods"


class Client:
    """One raw TCP connection to the server, reading whole responses off a buffer."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = bytearray()

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def fill(self) -> bool:
        data = await self.stream.receive_some(65536)
        self.buffer += data
        return bool(data)

    async def response(self) -> tuple[int, bytes, dict]:
        """(code, head, JSON body) of the next Content-Length response."""
        while (parsed := parse_response(self.buffer)) is None:
            assert await self.fill(), "the server closed the connection early"
        code, body = parsed
        return code, b"", json.loads(body) if body else {}

    async def head(self) -> bytes:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            assert await self.fill()
        head = bytes(self.buffer[:end])
        del self.buffer[: end + 4]
        return head

    async def closed(self) -> bool:
        """True once the server has closed its side (no more bytes)."""
        with trio.fail_after(5):
            while await self.fill():
                pass
        return True


def request(method: str, path: str, body: bytes = b"", *extra: str) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nhost: test\r\n" + "".join(f"{h}\r\n" for h in extra)
    if body:
        head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


@pytest.fixture
async def conn(url: str) -> AsyncIterator[Client]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    stream = await trio.open_tcp_stream(host, int(port))
    async with stream:
        yield Client(stream)


async def test_keep_alive_serves_several_requests_on_one_connection(conn: Client) -> None:
    await conn.send(request("POST", PODS, pod_body("a")))
    code, _, created = await conn.response()
    assert (code, created["metadata"]["name"]) == (201, "a")
    await conn.send(request("GET", f"{PODS}/a"))
    code, _, got = await conn.response()
    assert (code, got["metadata"]["uid"]) == (200, created["metadata"]["uid"])


async def test_pipelined_requests_are_answered_in_order(conn: Client) -> None:
    await conn.send(request("POST", PODS, pod_body("p")) + request("GET", f"{PODS}/p"))
    assert (await conn.response())[0] == 201
    code, _, got = await conn.response()
    assert (code, got["metadata"]["name"]) == (200, "p")


async def test_a_chunked_request_body_is_read(conn: Client) -> None:
    body = pod_body("chunky")
    half = len(body) // 2
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        half,
        body[:half],
        len(body) - half,
        body[half:],
    )
    head = f"POST {PODS} HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n"
    await conn.send(head.encode() + b"content-type: application/json\r\n\r\n" + chunks)
    code, _, created = await conn.response()
    assert (code, created["metadata"]["name"]) == (201, "chunky")


async def test_a_malformed_request_gets_400_and_the_connection_closes(conn: Client) -> None:
    await conn.send(b"GET /api\r\n\r\n")
    code, _, status = await conn.response()
    assert (code, status["kind"], status["reason"]) == (400, "Status", "BadRequest")
    assert await conn.closed()


async def test_a_body_over_the_limit_gets_413_before_it_is_sent(conn: Client) -> None:
    head = f"POST {PODS} HTTP/1.1\r\nhost: t\r\ncontent-length: {4 * 1024 * 1024}\r\n\r\n"
    await conn.send(head.encode())
    code, _, status = await conn.response()
    assert (code, status["reason"]) == (413, "RequestEntityTooLarge")
    assert await conn.closed()


async def test_connection_close_is_honoured(conn: Client) -> None:
    await conn.send(request("GET", "/version", b"", "connection: close"))
    assert (await conn.response())[0] == 200
    assert await conn.closed()


async def test_head_gets_the_head_without_a_body(conn: Client) -> None:
    await conn.send(request("HEAD", "/healthz") + request("GET", "/healthz"))
    head = await conn.head()
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"content-length: 2" in head
    # the next bytes are the GET's response, not a body for the HEAD
    head = await conn.head()
    assert head.startswith(b"HTTP/1.1 200 ")


async def test_a_list_at_a_future_resource_version_times_out(conn: Client) -> None:
    await conn.send(request("GET", f"{PODS}?resourceVersion=999999"))
    code, _, status = await conn.response()
    assert (code, status["reason"]) == (504, "Timeout")
    assert status["message"].startswith("Too large resource version: 999999, current: ")


async def test_a_watch_streams_chunks_and_ends_with_the_last_chunk(conn: Client) -> None:
    await conn.send(request("POST", PODS, pod_body("w")))
    _, _, created = await conn.response()
    rv = created["metadata"]["resourceVersion"]
    await conn.send(
        request("GET", f"{PODS}?watch=1&resourceVersion={int(rv) - 1}&timeoutSeconds=1")
    )
    head = await conn.head()
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding: chunked" in head
    lines: list[dict] = []
    ended = False
    with trio.fail_after(5):
        while not ended:
            assert await conn.fill()
            for data in take_chunks(conn.buffer):
                ended = not data
                lines += [json.loads(x) for x in data.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in lines] == [("ADDED", "w")]
    await conn.send(request("GET", "/version"))  # the connection is still usable
    assert (await conn.response())[0] == 200


def test_parse_head_rejects_what_is_not_http_1() -> None:
    assert parse_head(b"GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2").headers == {
        "host": "h",
        "x-a": "1, 2",
    }
    for bad, code in (
        (b"GET / HTTP/2.0\r\nhost: h", 505),
        (b"GET / HTTP/1.1", 400),  # no Host
        (b"GET / HTTP/1.1\r\nhost: h\r\n bad: fold", 400),
        (b"GET  / HTTP/1.1\r\nhost: h", 400),
    ):
        with pytest.raises(ProtocolError) as err:
            parse_head(bad)
        assert err.value.code == code, bad


class SlowAuthenticator:
    """Takes a while to answer, so a request is still being served when shutdown starts."""

    async def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None:
        await trio.sleep(0.3)
        return ADMIN_USER


async def test_shutdown_finishes_requests_in_progress_and_closes_idle_connections(
    store: Store,
) -> None:
    api = APIServer(store, authenticator=SlowAuthenticator())
    async with trio.open_nursery() as nursery:
        async with open_http_server(api) as url:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            busy = Client(await trio.open_tcp_stream(host, int(port)))
            idle = Client(await trio.open_tcp_stream(host, int(port)))
            await busy.send(request("GET", "/version"))
            await trio.sleep(0.1)  # the request is now inside the slow authenticator
        # the server is stopped (the block above cancelled it)
        code, _, version = await busy.response()
        assert code == 200
        assert "gitVersion" in version
        assert await busy.closed()
        assert await idle.closed()
        await busy.stream.aclose()
        await idle.stream.aclose()
        nursery.cancel_scope.cancel()


async def test_a_shared_watch_sends_bookmarks_and_serves_many_watchers_from_one_hub(
    server: APIServer, url: str
) -> None:
    server.bookmark_interval = 0.1
    host, port = url.removeprefix("http://").rsplit(":", 1)
    path = f"{PODS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=1"
    watchers = [Client(await trio.open_tcp_stream(host, int(port))) for _ in range(3)]
    for w in watchers:
        await w.send(request("GET", path))
        assert (await w.head()).startswith(b"HTTP/1.1 200 ")
    assert [len(h.subscribers) for h in server.watch_cache._hubs.values()] == [3]
    await server.create(ADMIN_USER, Target(resource_for_kind("Pod"), "default"), pod("b"))
    for w in watchers:
        types: list[str] = []
        with trio.fail_after(5):
            while "END" not in types:
                assert await w.fill()
                for data in take_chunks(w.buffer):
                    types += [json.loads(x)["type"] for x in data.splitlines()] or ["END"]
        assert types[0] == "ADDED"
        assert "BOOKMARK" in types
        await w.stream.aclose()


async def test_a_direct_writer_keeps_order_and_gives_up_past_its_backlog() -> None:
    ours, theirs = trio.socket.socketpair()
    writer = DirectWriter(trio.SocketStream(ours), limit=1 << 22)
    sent = bytearray()
    n = 0
    while len(writer.pending) < 1 << 20:  # nobody reads yet: the socket fills, then the backlog
        data = b"%08d" % n * 64
        assert writer.write(data)
        sent += data
        n += 1
    peer = trio.SocketStream(theirs)
    received = bytearray()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.flush)
        with trio.fail_after(5):
            while len(received) < len(sent):
                received += await peer.receive_some(1 << 16)
        await writer.finish()
    assert received == sent
    a, b = trio.socket.socketpair()
    with a, b, ours, theirs:
        small = DirectWriter(trio.SocketStream(a), limit=1 << 16)
        while small.write(b"x" * 4096):
            pass
        assert small.behind
        assert not small.failed
        assert not small.write(b"more")
        queued = len(small.pending)
        small.last(b"the end")
        assert small.pending.endswith(b"the end")
        assert len(small.pending) == queued + 7


async def test_a_direct_writer_over_tls_encrypts_at_once_and_keeps_order(tmp_path: Path) -> None:
    """The TLS fan-out path: records sealed synchronously, socket-full remainder flushed later."""
    tls = prepare_tls(tmp_path, "127.0.0.1")
    client_ctx = client_context(tls.ca.cert_pem)
    ours, theirs = trio.socket.socketpair()
    server = trio.SSLStream(trio.SocketStream(ours), tls.context, server_side=True)
    client = trio.SSLStream(trio.SocketStream(theirs), client_ctx, server_hostname="127.0.0.1")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(server.do_handshake)
        await client.do_handshake()
    await server.send_all(b"HEAD\r\n")  # a response head through trio's own path first
    writer = DirectWriter(server, limit=1 << 22)
    assert writer._tls is not None, "the installed trio no longer allows the TLS fast path"
    sent = bytearray(b"HEAD\r\n")
    n = 0
    while len(writer.pending) < 1 << 20:  # nobody reads yet: the socket fills, then the backlog
        data = b"%08d" % n * 64
        assert writer.write(data)
        sent += data
        n += 1
    received = bytearray()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.flush)
        with trio.fail_after(10):
            while len(received) < len(sent):
                received += await client.receive_some(1 << 16)
        writer.last(b"the end")
        await writer.finish()
    with trio.fail_after(5):
        while not received.endswith(b"the end"):
            received += await client.receive_some(1 << 16)
    assert received == sent + b"the end"
    await server.send_all(b"after")  # trio's path still works after the writer's records
    assert await client.receive_some(100) == b"after"
