"""Mutual TLS for Raft members: between peers and to clients, all with the cluster CA.

A member's listeners accept only connections whose certificate the CA signed (a client
without one fails the handshake); a peer's certificate must also name the member its hello
claims to be (CN = member name), so a client certificate cannot pose as a peer. Dialers check
the member's certificate against the address they dialled (subjectAltName).
"""

from __future__ import annotations

import ssl
from pathlib import Path

import attrs
import trio

from kernel.client.tls import client_context, peer_subject, server_context

HANDSHAKE_SECONDS = 10.0
"""A connection that has not finished its TLS handshake by then is dropped."""


@attrs.frozen
class StoreTLS:
    """A member's (or a client's) TLS contexts: `server` for accepting, `client` for dialling."""

    server: ssl.SSLContext | None
    client: ssl.SSLContext

    @classmethod
    def from_files(cls, ca: Path, cert: Path, key: Path, *, serving: bool = True) -> StoreTLS:
        """Contexts from PEM files (``--ca``, ``--cert``, ``--key``); OSError/SSLError if bad."""
        ca_pem, cert_pem, key_pem = ca.read_bytes(), cert.read_bytes(), key.read_bytes()
        server = (
            server_context(ca_pem, cert_pem, key_pem, require_client_cert=True) if serving else None
        )
        return cls(server, client_context(ca_pem, cert_pem, key_pem))


async def accept_tls(
    stream: trio.abc.Stream, tls: StoreTLS
) -> trio.SSLStream[trio.abc.Stream] | None:
    """The server side of the handshake; None if the peer has no CA-signed cert or stalls."""
    assert tls.server is not None
    secured = trio.SSLStream(stream, tls.server, server_side=True)
    return await _handshake(secured)


async def dial_tls(
    stream: trio.abc.Stream, tls: StoreTLS, host: str
) -> trio.SSLStream[trio.abc.Stream] | None:
    """The client side of the handshake to `host`; None if it fails or stalls."""
    secured = trio.SSLStream(stream, tls.client, server_hostname=host)
    return await _handshake(secured)


async def _handshake(
    secured: trio.SSLStream[trio.abc.Stream],
) -> trio.SSLStream[trio.abc.Stream] | None:
    try:
        with trio.fail_after(HANDSHAKE_SECONDS):
            await secured.do_handshake()
    except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError, OSError):
        await trio.aclose_forcefully(secured.transport_stream)
        return None
    return secured


def peer_name(stream: trio.abc.Stream) -> str | None:
    """The CN of a TLS stream's verified peer certificate (None for plain TCP)."""
    if not isinstance(stream, trio.SSLStream):
        return None
    subject = peer_subject(stream.getpeercert())
    return subject[0] if subject else None


__all__ = ["HANDSHAKE_SECONDS", "StoreTLS", "accept_tls", "dial_tls", "peer_name"]
