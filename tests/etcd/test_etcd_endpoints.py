"""`open_etcd_store(endpoints=...)` takes what `kubelab up --etcd-endpoints` and configs give it."""

from __future__ import annotations

import contextlib
import functools

import pytest
import trio

from components.store.etcd import LocalEtcd, open_etcd_store
from components.store.etcd._client import GatewayClient
from components.store.etcd._http import Endpoint
from kernel.interfaces.store import StoreUnavailableError
from kernel.registry import Registry, check_implementation, check_options


@pytest.mark.parametrize(
    "endpoints",
    [
        "http://127.0.0.1:2379,http://127.0.0.2:2380",
        " http://127.0.0.1:2379 , http://127.0.0.2:2380 ,",
        ["http://127.0.0.1:2379", "http://127.0.0.2:2380"],
        ("http://127.0.0.1:2379,http://127.0.0.2:2380",),
        ["127.0.0.1:2379", "127.0.0.2:2380"],
    ],
)
def test_comma_separated_strings_and_lists_give_the_same_endpoints(endpoints: object) -> None:
    client = GatewayClient.from_urls(endpoints)  # type: ignore[arg-type]
    assert client.endpoints == (Endpoint("127.0.0.1", 2379), Endpoint("127.0.0.2", 2380))


@pytest.mark.parametrize(
    ("endpoints", "message"),
    [
        ("", "at least one"),
        ([], "at least one"),
        (" , ", "at least one"),
        ("ftp://127.0.0.1:2379", "only http:// and https://"),
        (["http://127.0.0.1:2379", 2379], "expected URL strings"),
    ],
)
def test_bad_endpoints_are_value_errors_naming_the_problem(endpoints: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GatewayClient.from_urls(endpoints)  # type: ignore[arg-type]


async def test_a_comma_separated_string_opens_a_working_store(etcd3: LocalEtcd) -> None:
    async with open_etcd_store(",".join(etcd3.endpoints)) as store:
        await store.put(b"k", b"v")
        assert (await store.range(b"k")).kvs[0].value == b"v"


def _refusing_member(answer: bytes, seen: list[bytes]):
    """A fake member: every request gets HTTP 503 with etcd's JSON error `answer`."""

    async def handler(stream: trio.SocketStream) -> None:
        buffer = b""
        with contextlib.suppress(trio.BrokenResourceError):
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = await stream.receive_some(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(buffer) < length:
                    buffer += await stream.receive_some(65536)
                seen.append(head.split(b" ")[1])
                buffer = buffer[length:]
                await stream.send_all(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
                )

    return handler


async def _serve(nursery: trio.Nursery, handler) -> str:
    listeners = await nursery.start(functools.partial(trio.serve_tcp, host="127.0.0.1"), handler, 0)
    return f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}"


NO_LEADER = b'{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}'
TIMED_OUT = (
    b'{"error":"etcdserver: request timed out","message":"etcdserver: request timed out","code":14}'
)


async def test_a_member_without_a_leader_is_skipped_for_reads_and_writes(etcd: LocalEtcd) -> None:
    seen: list[bytes] = []
    async with trio.open_nursery() as nursery:
        fake = await _serve(nursery, _refusing_member(NO_LEADER, seen))
        async with open_etcd_store([fake, *etcd.endpoints], check=False) as store:
            await store.put(b"k", b"v")
            assert (await store.range(b"k")).kvs[0].value == b"v"
        nursery.cancel_scope.cancel()
    assert seen == [b"/v3/kv/put"]  # then the store stayed on the member that answered


async def test_a_write_that_may_have_been_proposed_is_not_sent_again(etcd: LocalEtcd) -> None:
    seen: list[bytes] = []
    async with trio.open_nursery() as nursery:
        fake = await _serve(nursery, _refusing_member(TIMED_OUT, seen))
        async with open_etcd_store([fake, *etcd.endpoints], check=False) as store:
            with pytest.raises(StoreUnavailableError) as failed:
                await store.put(b"k", b"v")
            assert failed.value.definite is False
            assert (await store.range(b"k")).count == 0  # the read moved on to the real member
        nursery.cancel_scope.cancel()
    assert seen == [b"/v3/kv/put", b"/v3/kv/range"]


@pytest.mark.parametrize("endpoints", ["http://127.0.0.1:2379,http://127.0.0.1:2380", ["a:1"]])
def test_the_registry_offers_etcd_with_an_endpoints_option(endpoints: object) -> None:
    implementation = Registry().resolve("store", "etcd")
    assert check_implementation(implementation)
    check_options(implementation, {"endpoints": endpoints})
