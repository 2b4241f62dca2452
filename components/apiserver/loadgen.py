"""The load generator of `kubelab bench apiserver`: lean HTTP/1.1 clients in worker processes.

A general-purpose client (httpx) costs about as much CPU per request as the server it measures
and, with 1,000 pooled connections, scans them all on every request; sharing the benchmark's
two cores, it made the bench measure itself. Here each worker process drives plain keep-alive
sockets from one epoll loop (no async framework, one request at a time per connection) and
does nothing per request beyond writing the bytes and reading the framing, so the figures are
the server's.

A worker is driven over its stdin/stdout, one JSON object per line: a job comes in (``verb``
or ``watch``), the worker connects and answers ``{"ready": ...}``; for verbs it waits for
``go`` so all workers start together, then answers with its results. Times come from
``time.monotonic`` (CLOCK_MONOTONIC: one clock for every process on the machine), so a watch
event's delay is its receipt time minus the send time the patch wrote into the object.
Wall-clock reads are fine here: this is a benchmark, not simulation code.
"""

from __future__ import annotations

import json
import select
import socket
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import attrs

PODS_PATH = "/api/v1/namespaces/default/pods"
CONFIGMAPS_PATH = "/api/v1/namespaces/default/configmaps"
RECEIVE_BYTES = 65536


class LoadError(Exception):
    """The server answered something a load worker cannot read as HTTP."""


def pod_body(name: str) -> bytes:
    """A small pod manifest, encoded."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"b": "1"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
        separators=(",", ":"),
    ).encode()


def request_bytes(
    host: str, method: str, path: str, body: bytes = b"", content_type: str = "application/json"
) -> bytes:
    """One HTTP/1.1 request, encoded."""
    head = f"{method} {path} HTTP/1.1\r\nhost: {host}\r\naccept: application/json\r\n"
    if body:
        head += f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def parse_response(buffer: bytearray) -> tuple[int, bytes] | None:
    """Take one whole Content-Length response off `buffer`: (code, body), or None if partial."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    at = head.find(b"content-length:")
    if at < 0:
        raise LoadError("a response without Content-Length")
    stop = head.find(b"\r\n", at)
    size = int(head[at + 15 : stop if stop >= 0 else len(head)])
    if len(buffer) < end + 4 + size:
        return None
    try:
        code = int(head[9:12])
    except ValueError:
        raise LoadError(f"not an HTTP response: {head[:40]!r}") from None
    body = bytes(buffer[end + 4 : end + 4 + size])
    del buffer[: end + 4 + size]
    return code, body


def take_chunks(buffer: bytearray) -> Iterator[bytes]:
    """Take every whole chunk of a chunked body off `buffer` (an empty one: the end)."""
    while (end := buffer.find(b"\r\n")) >= 0:
        size = int(bytes(buffer[:end]).split(b";")[0], 16)
        if len(buffer) < end + 2 + size + 2:
            return
        data = bytes(buffer[end + 2 : end + 2 + size])
        del buffer[: end + 2 + size + 2]
        yield data


@attrs.define(eq=False)
class Connection:
    """One blocking keep-alive HTTP/1.1 connection (setup and the bench's own few requests)."""

    sock: socket.socket
    host: str
    buffer: bytearray = attrs.field(factory=bytearray)

    @classmethod
    def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if parts.scheme == "https":  # the server's TLS cost is measured, not verification's
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname=parts.hostname)
        return cls(sock, parts.netloc or "127.0.0.1")

    def close(self) -> None:
        self.sock.close()

    def fill(self) -> None:
        data = self.sock.recv(RECEIVE_BYTES)
        if not data:
            raise LoadError("the server closed the connection")
        self.buffer += data
        if isinstance(self.sock, ssl.SSLSocket):  # decrypted bytes epoll cannot see
            while self.sock.pending():
                self.buffer += self.sock.recv(RECEIVE_BYTES)

    def request(
        self, method: str, path: str, body: bytes = b"", content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        """Send one request and wait for its response: (code, body)."""
        self.sock.sendall(request_bytes(self.host, method, path, body, content_type))
        while (response := parse_response(self.buffer)) is None:
            self.fill()
        return response

    def read_head(self) -> int:
        """The status code of a streamed response (its body stays in `buffer`)."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self.fill()
        code = int(self.buffer[9:12])
        del self.buffer[: end + 4]
        return code


def _request_for(verb: str, host: str, prefix: str, i: int) -> bytes:
    if verb == "create":
        return request_bytes(host, "POST", PODS_PATH, pod_body(f"{prefix}{i}"))
    if verb == "get":
        return request_bytes(host, "GET", f"{PODS_PATH}/{prefix}{i}")
    return request_bytes(host, "GET", f"{PODS_PATH}?limit=50")


def run_verb(conns: list[Connection], verb: str, indices: list[int], prefix: str) -> dict[str, Any]:
    """Every index once, one request at a time per connection: times, latencies, errors."""
    latencies: list[float] = []
    errors = 0
    todo = iter(indices)
    poller = select.epoll()
    by_fd = {c.sock.fileno(): c for c in conns}
    sent_at: dict[int, float] = {}
    start = time.monotonic()

    def send_next(conn: Connection) -> bool:
        i = next(todo, None)
        if i is None:
            return False
        sent_at[conn.sock.fileno()] = time.perf_counter()
        conn.sock.sendall(_request_for(verb, conn.host, prefix, i))
        return True

    for conn in conns:
        if send_next(conn):
            poller.register(conn.sock.fileno(), select.EPOLLIN)
    try:
        while sent_at:
            for fd, _ in poller.poll():
                conn = by_fd[fd]
                conn.fill()
                response = parse_response(conn.buffer)
                if response is None:
                    continue
                latencies.append(time.perf_counter() - sent_at.pop(fd))
                errors += response[0] >= 300
                if not send_next(conn):
                    poller.unregister(fd)
    finally:
        poller.close()
    return {"start": start, "end": time.monotonic(), "latencies": latencies, "errors": errors}


def run_watchers(url: str, job: dict[str, Any], say: Callable[[Any], None]) -> dict[str, Any]:
    """``job["watchers"]`` watches of one ConfigMap, each waiting for ``job["events"]``.

    An event's delay is its receipt time minus the send time the patch put in its data.
    """
    count, events, name, rv = job["watchers"], job["events"], job["name"], job["rv"]
    path = f"{CONFIGMAPS_PATH}?watch=true&fieldSelector=metadata.name%3D{name}&resourceVersion={rv}"
    conns = [Connection.open(url) for _ in range(count)]
    for conn in conns:
        conn.sock.sendall(request_bytes(conn.host, "GET", path))
    for conn in conns:
        if (code := conn.read_head()) != 200:
            raise LoadError(f"a watch answered {code}")
    say({"ready": count})
    latencies: list[float] = []
    got = {c.sock.fileno(): 0 for c in conns}
    by_fd = {c.sock.fileno(): c for c in conns}
    poller = select.epoll()
    for conn in conns:
        conn.sock.setblocking(False)
        poller.register(conn.sock.fileno(), select.EPOLLIN)
    deadline = time.monotonic() + float(job["timeout"])
    open_fds = set(by_fd)
    try:
        while open_fds and (left := deadline - time.monotonic()) > 0:
            for fd, _ in poller.poll(left):
                stamp = time.monotonic()
                conn = by_fd[fd]
                try:
                    conn.fill()
                except (LoadError, BlockingIOError, ssl.SSLWantReadError):
                    continue
                for data in take_chunks(conn.buffer):
                    for line in data.splitlines():
                        sent = ((json.loads(line).get("object") or {}).get("data") or {}).get("t")
                        if sent is not None:
                            latencies.append(stamp - float(sent))
                            got[fd] += 1
                if got[fd] >= events and fd in open_fds:
                    open_fds.discard(fd)
                    poller.unregister(fd)
    finally:
        poller.close()
        for conn in conns:
            conn.close()
    return {
        "latencies": latencies,
        "missing": count * events - sum(min(events, g) for g in got.values()),
    }


def _say(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def worker_main() -> None:
    """Entry point of a worker process: ``python -c '...worker_main()' URL``."""
    url = sys.argv[1]
    conns: list[Connection] = []
    for line in sys.stdin:
        if line.strip() == "exit":
            break
        job = json.loads(line)
        if job["job"] == "verb":
            conns += [Connection.open(url) for _ in range(job["clients"] - len(conns))]
            _say({"ready": len(conns)})
            sys.stdin.readline()  # "go"
            _say(run_verb(conns[: job["clients"]], job["verb"], job["indices"], job["prefix"]))
        else:
            _say(run_watchers(url, job, _say))
    for conn in conns:
        conn.close()


__all__ = [
    "Connection",
    "LoadError",
    "parse_response",
    "pod_body",
    "request_bytes",
    "run_verb",
    "run_watchers",
    "take_chunks",
    "worker_main",
]
