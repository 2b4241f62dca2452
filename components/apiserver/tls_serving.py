"""HTTPS for the API server: TLS listeners, the handshake, and the client certificate's identity.

A verified client certificate becomes two pseudo-headers (`PEER_HEADERS`) added to each
request on the connection. Their names start with ``:``, which no header read off the wire
can (a colon ends a header name), so a client cannot forge them; `X509Authenticator` reads
them as Kubernetes' x509 authenticator reads the certificate: CN = user, O = groups.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Sequence

import trio

from kernel.client.tls import peer_subject

log = logging.getLogger("kubelab.apiserver")

HANDSHAKE_SECONDS = 10.0
"""A client that has not finished its TLS handshake by then is dropped."""
PEER_USER = ":x509-user"
PEER_GROUPS = ":x509-groups"
PEER_HEADERS = (PEER_USER, PEER_GROUPS)


def tls_listeners(
    listeners: Sequence[trio.SocketListener], context: ssl.SSLContext
) -> list[trio.SSLListener[trio.SocketStream]]:
    """`listeners` wrapped to speak TLS with `context` (the handshake runs in `tls_handshake`)."""
    return [trio.SSLListener(listener, context, https_compatible=True) for listener in listeners]


async def tls_handshake(stream: trio.abc.Stream) -> dict[str, str] | None:
    """Finish a TLS stream's handshake; the peer's identity headers ({} for none or plain).

    None when the handshake fails or times out (the connection is then closed): a client
    that does not speak TLS, or whose certificate the CA did not sign.
    """
    if not isinstance(stream, trio.SSLStream):
        return {}
    try:
        with trio.fail_after(HANDSHAKE_SECONDS):
            await stream.do_handshake()
    except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError) as err:
        log.debug("TLS handshake failed: %s", err.__cause__ or err)
        return None
    subject = peer_subject(stream.getpeercert())
    if subject is None:
        return {}
    user, groups = subject
    return {PEER_USER: user, PEER_GROUPS: "\n".join(groups)}


__all__ = [
    "HANDSHAKE_SECONDS",
    "PEER_GROUPS",
    "PEER_HEADERS",
    "PEER_USER",
    "tls_handshake",
    "tls_listeners",
]
