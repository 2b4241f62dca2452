"""kubectl-like resource commands: `apply -f`, `get`, `describe`, `delete`, over the kubeconfig.

Every command reads the kubeconfig (``--kubeconfig``, else ``$KUBECONFIG``, else
``~/.kubelab/kubeconfig``) and talks to the API server through `kernel.client`'s raw API, so
fields the object model lacks still print. Server errors, an unreachable server, an unknown
kind or an invalid manifest end in one line and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio
import typer

from kernel.api.errors import AlreadyExists, NotFound, StatusError
from kernel.apiserver.listing import ListOptions
from kernel.apiserver.patch import STRATEGIC_MERGE_PATCH
from kernel.apiserver.requests import DeleteOptions, Target
from kernel.cli.errors import UserError
from kernel.cli.kinds import (
    object_ref,
    qualified_kind,
    resolve_kind,
    resolve_manifest_kind,
    split_kind_name,
)
from kernel.cli.printers import check_output_format, format_objects, watch_formatter
from kernel.client import APIConnectionError, HTTPClient, load_kubeconfig, open_http_client
from kernel.client.kubeconfig import KubeconfigInfo
from kernel.objects import ManifestError, ResourceInfo, load_manifests, to_dict

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def kubeconfig_path(option: str | None) -> Path:
    """``--kubeconfig``, else the first path in ``$KUBECONFIG``, else ``~/.kubelab/kubeconfig``."""
    if option:
        return Path(option)
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    return Path(first) if first else Path.home() / ".kubelab" / "kubeconfig"


def read_kubeconfig(option: str | None) -> KubeconfigInfo:
    """The kubeconfig's server and credentials; `UserError` naming the file when unusable."""
    path = kubeconfig_path(option)
    if not path.is_file():
        raise UserError(
            f"no kubeconfig at {path}: start a cluster with `kubelab up` or pass --kubeconfig",
            exit_code=1,
        )
    try:
        return load_kubeconfig(path)
    except (OSError, ValueError) as err:
        raise UserError(f"unusable kubeconfig: {err}", exit_code=1) from None


def run_with_client(config: KubeconfigInfo, work: Callable[[HTTPClient], Awaitable[None]]) -> None:
    """Run `work` under trio with a client; server and transport failures become one line."""

    async def main() -> None:
        async with open_http_client(config.server, token=config.token) as client:
            await work(client)

    try:
        trio.run(main)
    except StatusError as err:
        raise UserError(f"Error from server ({err.reason}): {err.message}", exit_code=1) from None
    except APIConnectionError as err:
        raise UserError(
            f"cannot reach the API server at {config.server} ({err}); is `kubelab up` running?",
            exit_code=1,
        ) from None


def namespace_for(info: ResourceInfo, namespace: str | None, config: KubeconfigInfo) -> str:
    """The namespace a command acts in: empty for cluster-scoped kinds."""
    return (namespace or config.namespace or "default") if info.namespaced else ""


# ------------------------------------------------------------------------------- manifests


def read_manifests(files: list[str]) -> list[Obj]:
    """Wire dicts of every object in the files (``-`` is stdin, a folder its YAML/JSON files)."""
    docs: list[Obj] = []
    for name in files:
        paths: list[Path | None] = [None] if name == "-" else [Path(name)]
        if name != "-" and Path(name).is_dir():
            paths = sorted(
                p for p in Path(name).iterdir() if p.suffix in (".yaml", ".yml", ".json")
            )
        for path in paths:
            try:
                text = sys.stdin.read() if path is None else path.read_text(encoding="utf-8")
            except OSError as err:
                raise UserError(f"{name}: cannot read manifest: {err.strerror}") from None
            try:
                objects = load_manifests(text, source="<stdin>" if path is None else str(path))
            except ManifestError as err:
                raise UserError(str(err)) from None
            for obj in objects:
                doc = to_dict(obj)
                if not doc.get("status"):
                    doc.pop("status", None)
                docs.append(doc)
    if not docs:
        raise UserError(f"no objects passed to apply (files: {', '.join(files)})")
    return docs


def manifest_target(doc: Obj, namespace: str | None, config: KubeconfigInfo) -> Target:
    """Where a manifest's object lives; its namespace must agree with an explicit ``-n``."""
    info = resolve_manifest_kind(str(doc.get("kind", "")), str(doc.get("apiVersion", "")))
    meta = doc.setdefault("metadata", {})
    name = str(meta.get("name") or "")
    if not name:
        raise UserError(f"{object_ref(info, '')}: metadata.name is required")
    own = meta.get("namespace")
    if info.namespaced:
        if own and namespace and own != namespace:
            raise UserError(
                f'the namespace from the provided object "{own}" does not match '
                f"the namespace \"{namespace}\". You must pass '--namespace={own}' "
                "to perform this operation."
            )
        meta["namespace"] = own or namespace_for(info, namespace, config)
    return Target(info, meta.get("namespace", "") if info.namespaced else "", name)


def apply_patch(current: Obj, desired: Obj, last: Obj | None) -> Obj:
    """A patch taking `current` to `desired`; keys dropped since the `last` apply are removed.

    It is sent as a strategic merge patch, so containers and ports merge by name and keep the
    fields the server defaulted.

    Lists are replaced when the user changed them since the last apply or the server's list no
    longer contains what the user asked for (so server-defaulted fields do not cause churn).
    """
    patch: Obj = {}
    for key, want in desired.items():
        have = current.get(key)
        before = (last or {}).get(key) if isinstance(last, dict) else None
        if isinstance(want, dict) and isinstance(have, dict):
            sub = apply_patch(have, want, before if isinstance(before, dict) else None)
            if sub:
                patch[key] = sub
        elif isinstance(want, list) and isinstance(have, list):
            if not _covers(have, want) or (last is not None and before != want):
                patch[key] = want
        elif want != have:
            patch[key] = want
    for key in last or {}:
        if key not in desired and key in current:
            patch[key] = None
    return patch


def _covers(have: Any, want: Any) -> bool:
    """Whether `have` holds everything `want` says (extra defaulted fields allowed)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_covers(have.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(_covers(h, w) for h, w in zip(have, want, strict=True))
        )
    return bool(have == want)


async def apply_one(client: HTTPClient, target: Target, doc: Obj) -> str:
    """Create or update one object; returns ``created``, ``configured`` or ``unchanged``."""
    record = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    desired = {
        **doc,
        "metadata": {
            **doc["metadata"],
            "annotations": {**(doc["metadata"].get("annotations") or {}), LAST_APPLIED: record},
        },
    }
    try:
        current = await client.raw.get(target)
    except NotFound:
        try:
            await client.raw.create(Target(target.resource, target.namespace), desired)
            return "created"
        except AlreadyExists:
            current = await client.raw.get(target)
    annotations = (current.get("metadata") or {}).get("annotations") or {}
    try:
        last = json.loads(annotations[LAST_APPLIED]) if LAST_APPLIED in annotations else None
    except ValueError:
        last = None
    patch = apply_patch(current, desired, last if isinstance(last, dict) else None)
    if not patch:
        return "unchanged"
    await client.raw.patch(target, STRATEGIC_MERGE_PATCH, patch)
    return "configured"


# ------------------------------------------------------------------------------- commands

KubeconfigOpt = typer.Option(None, "--kubeconfig", help="Path to the kubeconfig file.")
NamespaceOpt = typer.Option(None, "-n", "--namespace", help="The namespace (default: context's).")


def register(app: typer.Typer) -> None:
    """Add `apply`, `get`, `describe` and `delete` to the root app."""

    @app.command("apply")
    def apply_cmd(
        filename: list[str] = typer.Option(
            ..., "-f", "--filename", help="Manifest file, folder or - for stdin."
        ),
        namespace: str | None = NamespaceOpt,
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """Create or update the objects of multi-document YAML manifests."""
        config = read_kubeconfig(kubeconfig)
        docs = read_manifests(filename)
        targets = [manifest_target(d, namespace, config) for d in docs]
        failures: list[str] = []

        async def work(client: HTTPClient) -> None:
            for target, doc in zip(targets, docs, strict=True):
                try:
                    outcome = await apply_one(client, target, doc)
                except StatusError as err:
                    failures.append(f"Error from server ({err.reason}): {err.message}")
                    print(f"kubelab: {failures[-1]}", file=sys.stderr)
                    continue
                typer.echo(f"{object_ref(target.resource, target.name)} {outcome}")

        run_with_client(config, work)
        if failures:
            raise typer.Exit(1)

    @app.command("get")
    def get_cmd(  # noqa: PLR0917 - typer maps parameters to options
        kind: str = typer.Argument(..., metavar="KIND", help="pods, po, svc, deploy, ..."),
        names: list[str] | None = typer.Argument(None, metavar="[NAME]..."),
        namespace: str | None = NamespaceOpt,
        all_namespaces: bool = typer.Option(False, "-A", "--all-namespaces"),
        selector: str = typer.Option("", "-l", "--selector", help="Label selector."),
        field_selector: str = typer.Option("", "--field-selector"),
        output: str | None = typer.Option(None, "-o", "--output", help="wide|yaml|json|name"),
        watch: bool = typer.Option(False, "-w", "--watch", help="Then print each change."),
        request_timeout: int = typer.Option(
            0, "--request-timeout", help="Seconds before a watch ends (0: never)."
        ),
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """List objects of a kind, or show named ones, as a table with AGE like kubectl."""
        check_output_format(output)
        kind, first = split_kind_name(kind, (names or [None])[0])
        wanted = [first, *(names or [])[1:]] if first else []
        info = resolve_kind(kind)
        config = read_kubeconfig(kubeconfig)
        ns = "" if all_namespaces else namespace_for(info, namespace, config)

        async def work(client: HTTPClient) -> None:
            if wanted:
                objs = [await client.raw.get(Target(info, ns, n)) for n in wanted]
                rv = None
            else:
                data = await client.raw.list(
                    Target(info, ns), ListOptions(selector, field_selector)
                )
                objs = list(data.get("items") or [])
                rv = str((data.get("metadata") or {}).get("resourceVersion", "")) or None
            if objs or output in ("yaml", "json"):
                typer.echo(
                    format_objects(
                        info,
                        objs,
                        output,
                        time.time(),
                        single=len(wanted) == 1,
                        all_namespaces=all_namespaces,
                    ),
                    nl=False,
                )
            elif not watch:
                where = f" in {ns} namespace" if ns else ""
                print(f"No resources found{where}.", file=sys.stderr)
            if watch:
                await _watch(
                    client,
                    info,
                    ns,
                    wanted,
                    selector,
                    field_selector,
                    rv,
                    watch_formatter(info, output, all_namespaces),
                    request_timeout,
                )

        run_with_client(config, work)

    @app.command("describe")
    def describe_cmd(
        kind: str = typer.Argument(..., metavar="KIND"),
        name: str | None = typer.Argument(None, metavar="NAME"),
        namespace: str | None = NamespaceOpt,
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """Show one object in detail, with the events about it."""
        from kernel.cli.describe import describe

        kind, name = split_kind_name(kind, name)
        if not name:
            raise UserError("describe needs a NAME, e.g. `kubelab describe pod web`")
        info = resolve_kind(kind)
        config = read_kubeconfig(kubeconfig)
        ns = namespace_for(info, namespace, config)

        async def work(client: HTTPClient) -> None:
            obj = await client.raw.get(Target(info, ns, name))
            events: list[Obj] = []
            events_info = resolve_kind("events")
            try:
                data = await client.raw.list(Target(events_info, ns), ListOptions())
                uid = (obj.get("metadata") or {}).get("uid")
                events = [
                    e
                    for e in data.get("items") or []
                    if (e.get("involvedObject") or {}).get("uid") == uid
                    or (
                        (e.get("involvedObject") or {}).get("name") == name
                        and (e.get("involvedObject") or {}).get("kind") == info.kind
                    )
                ]
            except StatusError:
                events = []
            typer.echo(describe(obj, events, time.time()), nl=False)

        run_with_client(config, work)

    @app.command("delete")
    def delete_cmd(  # noqa: PLR0917 - typer maps parameters to options
        kind: str | None = typer.Argument(None, metavar="KIND"),
        names: list[str] | None = typer.Argument(None, metavar="[NAME]..."),
        filename: list[str] | None = typer.Option(None, "-f", "--filename"),
        namespace: str | None = NamespaceOpt,
        ignore_not_found: bool = typer.Option(False, "--ignore-not-found"),
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """Delete named objects, or the objects of manifests (``-f``)."""
        config = read_kubeconfig(kubeconfig)
        targets: list[Target] = []
        if filename:
            if kind:
                raise UserError("pass either KIND NAME or -f FILE to delete, not both")
            targets = [manifest_target(d, namespace, config) for d in read_manifests(filename)]
        elif kind:
            kind, first = split_kind_name(kind, (names or [None])[0])
            wanted = [first, *(names or [])[1:]] if first else []
            if not wanted:
                raise UserError(f"delete needs a NAME, e.g. `kubelab delete {kind} web`")
            info = resolve_kind(kind)
            ns = namespace_for(info, namespace, config)
            targets = [Target(info, ns, n) for n in wanted]
        else:
            raise UserError("delete needs KIND NAME or -f FILE")
        failures: list[str] = []

        async def work(client: HTTPClient) -> None:
            for target in targets:
                try:
                    await client.raw.delete(target, DeleteOptions())
                except NotFound as err:
                    if not ignore_not_found:
                        failures.append(f"Error from server (NotFound): {err.message}")
                        print(f"kubelab: {failures[-1]}", file=sys.stderr)
                    continue
                typer.echo(f'{qualified_kind(target.resource)} "{target.name}" deleted')

        run_with_client(config, work)
        if failures:
            raise typer.Exit(1)


async def _watch(  # noqa: PLR0917 - private, one caller
    client: HTTPClient,
    info: ResourceInfo,
    ns: str,
    names: list[str],
    selector: str,
    field_selector: str,
    rv: str | None,
    fmt: Callable[[Obj, float], str],
    timeout: int,
) -> None:
    """Print each change until the server ends the watch (``--request-timeout``) or Ctrl-C."""
    if len(names) == 1:  # the user's own field selector still applies alongside the name
        by_name = f"metadata.name={names[0]}"
        field_selector = f"{field_selector},{by_name}" if field_selector else by_name
    opts = ListOptions(selector, field_selector, rv)
    async with client.raw.watch(Target(info, ns), opts, timeout=timeout or None) as events:
        async for event in events:
            if event.get("type") == "BOOKMARK":
                continue
            typer.echo(fmt(event.get("object") or {}, time.time()), nl=False)


__all__ = ["apply_patch", "kubeconfig_path", "read_kubeconfig", "read_manifests", "register"]
