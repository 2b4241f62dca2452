"""TLS contexts for clients and servers from PEM bytes (the kubeconfig's ``*-data`` fields).

Python's `ssl` loads a certificate chain only from files, so a chain given as bytes is written
to an owner-only temporary file for the load and removed at once.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile


def load_chain(context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    """Load a certificate and its key (PEM bytes) into `context`."""
    fd, path = tempfile.mkstemp(prefix="kubelab-cert-", suffix=".pem")  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(cert_pem.rstrip(b"\n") + b"\n" + key_pem)
        context.load_cert_chain(path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # noqa: PTH108


def client_context(
    ca_pem: bytes | None = None,
    cert_pem: bytes | None = None,
    key_pem: bytes | None = None,
    *,
    verify: bool = True,
) -> ssl.SSLContext:
    """A client context trusting `ca_pem` (the system's roots when None), with a client cert.

    ``verify=False`` is kubeconfig's ``insecure-skip-tls-verify``. PEM data that does not load
    is a `ValueError` naming the kubeconfig field, so a tool can say so in one line.
    """
    try:
        context = ssl.create_default_context(
            cadata=ca_pem.decode("ascii", "replace") if ca_pem else None
        )
    except ssl.SSLError as err:
        raise ValueError(
            f"certificate-authority-data does not hold a PEM certificate ({err.reason or err})"
        ) from None
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert_pem and key_pem:
        try:
            load_chain(context, cert_pem, key_pem)
        except ssl.SSLError as err:
            raise ValueError(
                "client-certificate-data and client-key-data do not hold a PEM certificate "
                f"and its key ({err.reason or err})"
            ) from None
    return context


def server_context(
    ca_pem: bytes, cert_pem: bytes, key_pem: bytes, *, require_client_cert: bool
) -> ssl.SSLContext:
    """A server context presenting `cert_pem`, verifying client certs against `ca_pem`.

    ``require_client_cert=False`` (the API server) makes a client certificate optional, so
    token and anonymous clients still connect; True (the store) refuses clients without one.
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cadata=ca_pem.decode())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    load_chain(context, cert_pem, key_pem)
    return context


def peer_subject(cert: dict[str, object] | None) -> tuple[str, tuple[str, ...]] | None:
    """The (CN, O values) of a verified peer certificate (`ssl.SSLSocket.getpeercert`)."""
    if not cert:
        return None
    common_name = ""
    organizations: list[str] = []
    for rdn in cert.get("subject", ()):  # type: ignore[attr-defined]
        for key, value in rdn:
            if key == "commonName":
                common_name = str(value)
            elif key == "organizationName":
                organizations.append(str(value))
    return (common_name, tuple(organizations)) if common_name else None


__all__ = ["client_context", "load_chain", "peer_subject", "server_context"]
