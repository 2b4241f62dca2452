"""JSON calls to an etcd cluster's gateway with endpoint failover and definite/indefinite errors.

One `GatewayClient` holds a keep-alive pool per endpoint and sends every call to the current
endpoint. When a request certainly was not delivered or applied (connection refused, a
member answering "no leader", or a read that failed in any way), it moves on to the next
endpoint and tries again, once per endpoint. A write whose response was lost is never
retried: it raises `StoreUnavailableError(definite=False)`, because etcd may have applied it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import attrs
import trio

from components.store.etcd._errors import EtcdErrorKind, EtcdServerError
from components.store.etcd._http import (
    ConnectionPool,
    Endpoint,
    NotSentError,
    Response,
    ResponseLostError,
    TransportError,
)
from kernel.interfaces.store import StoreUnavailableError

Json = dict[str, Any]


def _decode_body(response: Response, path: str) -> Json:
    try:
        message = json.loads(response.body) if response.body else {}
    except ValueError:
        message = None
    if not isinstance(message, dict):
        raise StoreUnavailableError(
            f"etcd {path}: unexpected non-JSON answer (HTTP {response.status}): "
            f"{response.body[:200]!r}",
            definite=False,
        )
    return message


def _try_next_member(error: EtcdServerError, *, write: bool) -> bool:
    """Tell whether another member may serve a call this member refused.

    A member without a leader (cut off from its peers) refuses before proposing anything, so
    any call may go to the next member; a read refused for any unavailability reason may too,
    since a read changes nothing. A write that may have been proposed is never re-sent.
    """
    if error.kind is EtcdErrorKind.UNAVAILABLE_DEFINITE:
        return True
    return not write and error.kind is EtcdErrorKind.UNAVAILABLE


def server_error(status: int, message: Json) -> EtcdServerError:
    """Build the error for a non-200 answer (or an in-stream `error` object)."""
    text = message.get("message") or message.get("error") or f"HTTP {status}"
    code = message.get("code", message.get("grpc_code", 2))
    return EtcdServerError(http_status=status, code=int(code), message=str(text))


@attrs.define
class GatewayClient:
    """Calls etcd's v3 JSON gateway across a list of endpoints."""

    endpoints: tuple[Endpoint, ...]
    request_timeout: float = 10.0
    connect_timeout: float = 2.0
    ssl_context: ssl.SSLContext | None = None
    """TLS for https:// endpoints (kube-apiserver's --etcd-cafile, -certfile, -keyfile)."""
    _pools: list[ConnectionPool] = attrs.field(init=False)
    _current: int = 0

    def __attrs_post_init__(self) -> None:
        if not self.endpoints:
            raise ValueError("etcd endpoints: give at least one http://host:port URL")
        self._pools = [
            ConnectionPool(e, connect_timeout=self.connect_timeout, ssl_context=self.ssl_context)
            for e in self.endpoints
        ]

    @classmethod
    def from_urls(cls, urls: str | Sequence[str], **options: Any) -> GatewayClient:
        """Build from a URL, a comma-separated list ("URL,URL"), or a sequence of either.

        Raises ValueError naming the bad endpoint (or saying none was given).
        """
        items = [urls] if isinstance(urls, str) else list(urls)
        parsed = []
        for item in items:
            if not isinstance(item, str):
                # ValueError like every other endpoint mistake, so callers catch one type.
                raise ValueError(f"etcd endpoints: expected URL strings, got {item!r}")  # noqa: TRY004
            parsed += [Endpoint.parse(u.strip()) for u in item.split(",") if u.strip()]
        return cls(tuple(parsed), **options)

    def _order(self) -> list[int]:
        n = len(self._pools)
        return [(self._current + i) % n for i in range(n)]

    async def call(self, path: str, payload: Json, *, write: bool) -> Json:
        """POST `payload` to `path`; return the answer or raise (see the module docstring).

        `write` tells whether the call can change etcd's state; it decides whether a lost
        answer may be retried and whether an error is definite.
        """
        body = json.dumps(payload, separators=(",", ":")).encode()
        failures: list[str] = []
        for index in self._order():
            pool = self._pools[index]
            try:
                response = await pool.request(path, body, timeout=self.request_timeout)
            except NotSentError as exc:
                failures.append(str(exc))
                self._current = (index + 1) % len(self._pools)
                continue
            except ResponseLostError as exc:
                if write:
                    raise StoreUnavailableError(
                        f"etcd {path}: outcome unknown: {exc}", definite=False
                    ) from exc
                failures.append(str(exc))
                self._current = (index + 1) % len(self._pools)
                continue
            message = _decode_body(response, path)
            if response.status == 200:
                return message
            error = server_error(response.status, message)
            if not _try_next_member(error, write=write):
                raise error
            failures.append(f"{pool.endpoint.url}: {error.message}")
            self._current = (index + 1) % len(self._pools)
        raise StoreUnavailableError(
            "no etcd endpoint could serve the request: " + "; ".join(failures), definite=True
        )

    @asynccontextmanager
    async def stream(self, path: str, payload: Json) -> AsyncIterator[AsyncIterator[Json]]:
        """Open a streaming call and yield an iterator over its JSON messages.

        etcd's gateway writes one JSON object per message, newline-separated, in a chunked
        body; each `{"result": ...}` is yielded as the inner object, an `{"error": ...}` raises
        `EtcdServerError`. Only watch and keepalive use this; both are reads for the purpose
        of retrying (opening them changes nothing).
        """
        body = json.dumps(payload, separators=(",", ":")).encode()
        failures: list[str] = []
        async with AsyncExitStack() as stack:
            for index in self._order():
                pool = self._pools[index]
                try:
                    status, chunks = await stack.enter_async_context(
                        pool.stream(path, body, timeout=self.request_timeout)
                    )
                except TransportError as exc:
                    failures.append(str(exc))
                    self._current = (index + 1) % len(self._pools)
                    continue
                messages = _messages(status, chunks, path)
                try:
                    yield messages
                finally:
                    with trio.CancelScope(shield=True):
                        await messages.aclose()
                return
        raise StoreUnavailableError(
            "no etcd endpoint could serve the request: " + "; ".join(failures), definite=True
        )

    async def aclose(self) -> None:
        """Close every idle connection."""
        for pool in self._pools:
            await pool.aclose()


async def _messages(status: int, chunks: AsyncIterator[bytes], path: str) -> AsyncIterator[Json]:
    buffer = b""
    try:
        async for chunk in chunks:
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.strip():
                    yield _stream_message(status, line, path)
        if buffer.strip():
            yield _stream_message(status, buffer, path)
    except TransportError as exc:
        raise StoreUnavailableError(f"etcd {path}: stream broken: {exc}", definite=True) from exc


def _stream_message(status: int, line: bytes, path: str) -> Json:
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise StoreUnavailableError(
            f"etcd {path}: unparsable stream message {line[:200]!r}", definite=True
        ) from exc
    if "result" in message:
        return message["result"]
    error = message.get("error", message)
    if isinstance(error, dict):
        raise server_error(status, error)
    raise server_error(status, message)
