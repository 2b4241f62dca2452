"""`kubelab up`'s TLS material: the cluster CA, the serving certificate, the admin's client cert.

Everything lives in ``<state-dir>/pki`` (0700; keys 0600). The CA is made once and reused, so
kubeconfigs and store members keep working across restarts; the serving certificate is
issued anew each start for 127.0.0.1, localhost and ``--api-address``, the admin's client
certificate (CN ``admin``, O ``system:masters``) too.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import attrs

from kernel.api.users import UserInfo
from kernel.client.tls import server_context
from kernel.pki import KeyPair, ensure_cluster_ca, issue, write_pair

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


@attrs.frozen
class ClusterTLS:
    """The CA and the API server's certificate and context, as `kubelab up` serves with."""

    directory: Path
    ca: KeyPair
    serving: KeyPair
    context: ssl.SSLContext

    def client_pair(self, user: UserInfo) -> tuple[bytes, bytes]:
        """A client certificate for `user` (CN name, O groups), as a kubeconfig holds it."""
        groups = [g for g in user.groups if g != "system:authenticated"]
        pair = issue(self.ca, user.name, groups)
        return pair.cert_pem, pair.key_pem


def prepare_tls(state_dir: Path, address: str) -> ClusterTLS:
    """Load or create the CA under ``state_dir/pki`` and issue this start's serving cert."""
    directory = state_dir / "pki"
    ca = ensure_cluster_ca(directory)
    hosts = [*LOOPBACK_NAMES]
    if address not in ("0.0.0.0", "::", ""):
        hosts.insert(0, address)
    serving = issue(ca, "kube-apiserver", hosts=hosts, client=False)
    write_pair(directory, "apiserver", serving)
    context = server_context(
        ca.cert_pem, serving.cert_pem, serving.key_pem, require_client_cert=False
    )
    return ClusterTLS(directory, ca, serving, context)


__all__ = ["LOOPBACK_NAMES", "ClusterTLS", "prepare_tls"]
