"""`kubelab up`'s engine: open the chosen store, serve the API server, hand out a kubeconfig.

The store is found through the registry (``memory``, ``etcd``, or ``module:attr``), so the
kernel never imports a component. Each identity (the admin, and one per component) is a
bearer token in ``<state-dir>/tokens.csv`` (Kubernetes' static token file format; reused
across restarts so an old kubeconfig keeps working). The admin's kubeconfig is
``<state-dir>/kubeconfig``, the components' ``<state-dir>/components/<name>.kubeconfig``.
Requests are authorized by RBAC; the admin is in ``system:masters``. The API server speaks
HTTPS with a cluster CA (`up_tls`); the admin's kubeconfig carries a client certificate,
components' their tokens. ``--insecure-http`` serves plain HTTP instead.
"""

from __future__ import annotations

import contextlib
import inspect
import secrets
import signal
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, cast

import attrs
import trio

from components.apiserver.auth import ADMIN_GROUP, UserInfo
from components.apiserver.compactor import COMPACTION_INTERVAL_SECONDS, run_compactor
from components.apiserver.limits import ServingLimits
from components.apiserver.node_authorizer import NodeAuthorizer
from components.apiserver.rbac import RBACAuthorizer
from components.apiserver.rbac_policy import ensure_bootstrap_policy
from components.apiserver.sa_tokens import (
    SA_KEY_FILE,
    ServiceAccountTokens,
    SigningKey,
    store_uid_lookup,
)
from components.apiserver.server import APIServer
from components.apiserver.service_allocation import ServiceRanges
from components.apiserver.serving import AddressInUseError, serve_http
from components.apiserver.storage import Storage
from components.apiserver.tokens import (
    TokenAuthenticator,
    TokenEntry,
    format_token_file,
    load_token_file,
)
from components.apiserver.up_tls import ClusterTLS, prepare_tls
from components.apiserver.x509_auth import X509Authenticator
from kernel.client.kubeconfig import write_kubeconfig
from kernel.config import ClusterSettings, PartConfig
from kernel.env import open_real_env
from kernel.exception_groups import first_leaf
from kernel.interfaces.store import Store, StoreError
from kernel.launch import LAUNCH_GROUP, LAUNCH_ORDER, LaunchContext, Launcher
from kernel.registry import RegistryError, check_implements, check_options, resolve


class UpError(Exception):
    """A user-fixable reason `kubelab up` cannot run (bad store name, port taken, ...)."""


@attrs.frozen
class UpOptions:
    """What `kubelab up` was asked for."""

    store: str = "memory"
    store_options: dict[str, Any] = attrs.field(factory=dict)
    address: str = "127.0.0.1"
    port: int = 6443
    state_dir: Path = Path("~/.kubelab")
    limits: ServingLimits = attrs.field(factory=ServingLimits)
    """Timeouts, sizes and the connection limit of the HTTP front end."""
    compaction_interval: float = COMPACTION_INTERVAL_SECONDS
    """Seconds between store compactions (0: never), as --etcd-compaction-interval."""
    nodes: tuple[str, ...] = ("node-1",)
    """Nodes whose kubelets get an identity (system:node:NAME, kubelet-NAME.kubeconfig)."""
    insecure_http: bool = False
    """Serve plain HTTP (no CA, no certificates): for reading the wire format."""
    cluster: ClusterSettings = attrs.field(factory=ClusterSettings)
    """The config's `[cluster]` table (CIDRs, domain, seed) every launched part is given."""
    parts: dict[str, PartConfig] = attrs.field(factory=dict)
    """The parts besides the store to run (config table by part name), in `LAUNCH_ORDER`."""
    extra: dict[str, Any] = attrs.field(factory=dict)
    """Per-run settings from flags that launched parts read (`LaunchContext.extra`)."""
    launchers: dict[str, Launcher] | None = None
    """Launchers by part instead of the installed `kubelab.up` entry points (for tests)."""


ADMIN = UserInfo("admin", "admin", (ADMIN_GROUP, "system:authenticated"))
COMPONENTS: dict[str, UserInfo] = {
    "kube-scheduler": UserInfo("system:kube-scheduler", "system:kube-scheduler"),
    "kube-controller-manager": UserInfo(
        "system:kube-controller-manager", "system:kube-controller-manager"
    ),
    "kube-proxy": UserInfo("system:kube-proxy", "system:kube-proxy"),
    "coredns": UserInfo("system:coredns", "system:coredns"),
}
"""Component identities (kubeconfig name -> user); RBAC grants each only what it needs."""


def kubelet_identities(nodes: tuple[str, ...]) -> dict[str, UserInfo]:
    """One kubelet identity per node (the Node authorizer confines each to its own node)."""
    return {
        f"kubelet-{n}": UserInfo(f"system:node:{n}", f"system:node:{n}", ("system:nodes",))
        for n in nodes
    }


def identity_tokens(
    state_dir: Path, nodes: tuple[str, ...] = ("node-1",)
) -> tuple[list[TokenEntry], dict[str, str]]:
    """The token file's entries (missing identities get fresh tokens) and token by kubeconfig.

    The admin's kubeconfig name is ``kubeconfig``; components' are ``<name>.kubeconfig``.
    """
    path = state_dir / "tokens.csv"
    try:
        entries = load_token_file(path) if path.exists() else []
    except ValueError as err:
        raise UpError(f"{err} (delete the file to start over)") from None
    by_user = {e.user.name: e.token for e in entries}
    components = {**COMPONENTS, **kubelet_identities(nodes)}
    wanted = {"kubeconfig": ADMIN, **{f"{n}.kubeconfig": u for n, u in components.items()}}
    tokens: dict[str, str] = {}
    for file, user in wanted.items():
        if user.name not in by_user:
            by_user[user.name] = secrets.token_urlsafe(32)
            entries.append(
                TokenEntry(
                    by_user[user.name],
                    attrs.evolve(user, groups=(*user.groups, "system:authenticated")),
                )
            )
        tokens[file] = by_user[user.name]
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    state_dir.chmod(0o700)  # tokens, keys and the store's files live here
    path.touch(mode=0o600)
    path.write_text(format_token_file(entries))
    return entries, tokens


def open_store(
    name: str, options: dict[str, Any], state_dir: Path | None = None
) -> AbstractAsyncContextManager[Store]:
    """The registry's store `name` opened with `options` (UpError when it cannot be).

    A factory with a ``state_dir`` parameter (a store that keeps its data on disk, such as
    the Raft store's local cluster) is given `state_dir` unless the options name one.
    """
    try:
        impl = resolve("store", name)
        if state_dir is not None and "state_dir" not in options:
            with contextlib.suppress(TypeError, ValueError):
                if "state_dir" in inspect.signature(impl.factory).parameters:
                    options = {**options, "state_dir": state_dir}
        check_options(impl, options)
    except RegistryError as err:
        raise UpError(f"--store: {err}") from None
    factory = cast("Callable[..., AbstractAsyncContextManager[Store]]", impl.factory)
    return factory(**options)


def _say(line: str) -> None:
    print(line, flush=True)


async def run_up(opts: UpOptions, say: Callable[[str], None] = _say) -> None:
    """Serve until SIGINT/SIGTERM; returns normally then (a clean stop)."""
    state_dir = opts.state_dir.expanduser()
    entries, tokens = identity_tokens(state_dir, opts.nodes)
    try:
        async with open_store(opts.store, opts.store_options, state_dir) as store:
            try:
                check_implements(store, Store, label=f'store "{opts.store}"')
            except RegistryError as err:
                raise UpError(str(err)) from None
            rbac = RBACAuthorizer(Storage(store))
            authorizer = NodeAuthorizer(Storage(store), then=rbac)
            accounts = ServiceAccountTokens(
                SigningKey.load_or_create(state_dir / SA_KEY_FILE), store_uid_lookup(Storage(store))
            )
            authenticator = X509Authenticator(
                TokenAuthenticator(entries, service_accounts=accounts)
            )
            server = APIServer(
                store,
                authenticator=authenticator,
                authorizer=authorizer,
                service_ranges=ServiceRanges.from_settings(opts.cluster),
            )
            await server.start()
            await ensure_bootstrap_policy(server)
            await _serve(server, opts, state_dir, tokens, say)
    except StoreError as err:
        raise UpError(f"--store {opts.store}: cannot open the store: {err}") from None


async def _serve(
    server: APIServer,
    opts: UpOptions,
    state_dir: Path,
    tokens: dict[str, str],
    say: Callable[[str], None],
) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        try:
            async with trio.open_nursery() as nursery:
                rbac = getattr(server.authorizer, "then", server.authorizer)
                if isinstance(rbac, RBACAuthorizer):
                    await nursery.start(rbac.run)  # decisions from a watched cache
                await nursery.start(run_compactor, server.store, opts.compaction_interval)
                tls = None if opts.insecure_http else prepare_tls(state_dir, opts.address)
                serve = partial(
                    serve_http, limits=opts.limits, ssl_context=tls.context if tls else None
                )
                url = await nursery.start(serve, server, opts.address, opts.port)
                for file, token in tokens.items():
                    where = state_dir if file == "kubeconfig" else state_dir / "components"
                    try:
                        _write_kubeconfig(where / file, url, token, tls)
                    except OSError as err:
                        reason = err.strerror or str(err)
                        raise UpError(
                            f"--state-dir: cannot write {where / file}: {reason}"
                        ) from None
                path = state_dir / "kubeconfig"
                say(f"kubelab: API server at {url} (store: {opts.store})")
                if tls is None:
                    say(INSECURE_WARNING)
                say(f"kubelab: kubeconfig written to {path}")
                await _launch_parts(nursery, opts, url, state_dir, say)
                say("kubelab: press Ctrl-C to stop")
                async for _ in signals:
                    nursery.cancel_scope.cancel()
                    break
        except* UpError as group:
            raise first_leaf(group) from None
        except* OSError as group:
            raise UpError(_listen_error(group, opts)) from None
    say("kubelab: stopped")


async def _launch_parts(
    nursery: trio.Nursery,
    opts: UpOptions,
    url: str,
    state_dir: Path,
    say: Callable[[str], None],
) -> None:
    """Start each configured part's launcher (`kernel.launch`) in `LAUNCH_ORDER`."""
    wanted = [name for name in LAUNCH_ORDER if name in opts.parts]
    if not wanted:
        return
    launchers = opts.launchers
    if launchers is None:
        installed = {ep.name: ep for ep in entry_points(group=LAUNCH_GROUP)}
        launchers = {n: cast("Launcher", installed[n].load()) for n in wanted if n in installed}
    env = await nursery.start(_hold_env, opts.cluster.seed)
    for name in wanted:
        part = opts.parts[name]
        if name not in launchers:
            raise UpError(f"[{name}]: no launcher for this part is installed ({LAUNCH_GROUP})")
        launcher = launchers[name]
        ctx = LaunchContext(
            env, opts.cluster, part, url, state_dir, opts.nodes, say, dict(opts.extra)
        )
        await nursery.start(partial(launcher, ctx))
        say(f"kubelab: {name} running ({part.implementation})")


async def _hold_env(seed: int, *, task_status: trio.TaskStatus[Any]) -> None:
    """Keep a real `Env` (and its timer task) open until cancelled; hand it out when ready."""
    async with open_real_env("kubelab-up", seed=seed) as env:
        task_status.started(env)
        await trio.sleep_forever()


INSECURE_WARNING = (
    "kubelab: warning: --insecure-http serves plain HTTP; kubectl will not send credentials "
    "over it (its requests are anonymous) and anyone on the path reads every byte"
)


def _write_kubeconfig(path: Path, url: str, token: str, tls: ClusterTLS | None) -> None:
    """The admin's kubeconfig gets a client certificate (over TLS), components their token."""
    if tls is None:
        write_kubeconfig(path, url, token=token)
    elif path.name == "kubeconfig":
        write_kubeconfig(path, url, ca_pem=tls.ca.cert_pem, client_cert=tls.client_pair(ADMIN))
    else:
        write_kubeconfig(path, url, token=token, ca_pem=tls.ca.cert_pem)


def _listen_error(group: BaseExceptionGroup[OSError], opts: UpOptions) -> str:
    """One line for a failure to listen (the port is taken, the address is not ours, ...)."""
    error = first_leaf(group)
    if isinstance(error, AddressInUseError):
        return f"--api-port: {error}"
    reason = getattr(error, "strerror", None) or str(error)
    return f"--api-address: cannot listen on {opts.address}:{opts.port}: {reason}"


__all__ = [
    "ADMIN",
    "COMPONENTS",
    "UpError",
    "UpOptions",
    "identity_tokens",
    "kubelet_identities",
    "open_store",
    "run_up",
]
