"""`kubelab get` over one or more resource types, with kubectl's output and error rules.

Each type is listed (or each named object fetched) separately, like kubectl. A failed request
does not stop the others: what was found prints, then each error on its own stderr line and
the exit status is 1. Names carry their kind (``service/web``) when more than one type
answered. Nothing found and no error: ``No resources found in NS namespace.`` on stderr
(tables only: ``-o name|yaml|json`` print nothing, or an empty List, as kubectl).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import attrs
import typer

from components.kubectl.connection import server_error
from components.kubectl.printers import format_results, watch_formatter
from components.kubectl.selection import ResourceRequest
from kernel.api.errors import StatusError
from kernel.api.requests import ListOptions, Target
from kernel.cli.errors import complain
from kernel.client import HTTPClient
from kernel.objects import ResourceInfo

Obj = dict[str, Any]


@attrs.frozen
class GetView:
    """How the objects print: ``-o``, ``-A``, ``-L``, ``--show-labels``, ``--show-kind``."""

    output: str | None = None
    all_namespaces: bool = False
    label_columns: tuple[str, ...] = ()
    show_labels: bool = False
    show_kind: bool = False

    @property
    def human_readable(self) -> bool:
        """Tables (no ``-o`` or ``-o wide``): only they say ``No resources found``, as kubectl."""
        return self.output in (None, "wide")


@attrs.define
class Fetched:
    """Objects per resource type, the errors met, and the list's resourceVersion."""

    results: list[tuple[ResourceInfo, list[Obj]]] = attrs.Factory(list)
    errors: list[str] = attrs.Factory(list)
    answered: int = 0
    """Resource types that produced a listing or at least one named object."""
    resource_version: str | None = None


async def fetch(
    client: HTTPClient,
    requests: list[ResourceRequest],
    namespace_of: Callable[[ResourceInfo], str],
    opts: ListOptions,
) -> Fetched:
    """Get the named objects, or list each type with the selectors; errors are collected."""
    out = Fetched()
    for req in requests:
        ns = namespace_of(req.info)
        objs: list[Obj] = []
        if req.names:
            for name in req.names:
                try:
                    objs.append(await client.raw.get(Target(req.info, ns, name)))
                except StatusError as err:
                    out.errors.append(server_error(err))
            out.answered += bool(objs)
        else:
            try:
                data = await client.raw.list(Target(req.info, ns), opts)
            except StatusError as err:
                out.errors.append(server_error(err))
                continue
            objs = list(data.get("items") or [])
            out.answered += 1
            rv = (data.get("metadata") or {}).get("resourceVersion")
            out.resource_version = str(rv) if rv else None
        out.results.append((req.info, objs))
    return out


def print_fetched(fetched: Fetched, requests: list[ResourceRequest], view: GetView) -> bool:
    """Print what was found and the errors; returns whether anything went to stdout."""
    single = len(requests) == 1 and len(requests[0].names) == 1
    found = any(objs for _, objs in fetched.results)
    structured = view.output in ("yaml", "json")
    text = ""
    if found or (structured and not single):
        text = format_results(
            fetched.results,
            view.output,
            time.time(),
            single=single,
            all_namespaces=view.all_namespaces,
            show_kind=view.show_kind or fetched.answered > 1,
            label_columns=view.label_columns,
            show_labels=view.show_labels,
        )
        typer.echo(text, nl=False)
    for line in fetched.errors:
        complain(line)
    return bool(text)


def no_resources_line(requests: list[ResourceRequest], view: GetView, namespace: str) -> str:
    """Kubectl's notice when a get found nothing (namespaced types in one namespace name it)."""
    if not view.all_namespaces and all(r.info.namespaced for r in requests):
        return f"No resources found in {namespace} namespace."
    return "No resources found"


async def watch_changes(  # noqa: PLR0917 - private, one caller
    client: HTTPClient,
    request: ResourceRequest,
    ns: str,
    opts: ListOptions,
    view: GetView,
    timeout: int,
) -> None:
    """Print each change until the server ends the watch (``--request-timeout``) or Ctrl-C."""
    field_selector = opts.field_selector
    if len(request.names) == 1:  # the user's own field selector still applies alongside
        by_name = f"metadata.name={request.names[0]}"
        field_selector = f"{field_selector},{by_name}" if field_selector else by_name
    fmt = watch_formatter(
        request.info,
        view.output,
        view.all_namespaces,
        label_columns=view.label_columns,
        show_labels=view.show_labels,
    )
    watch_opts = attrs.evolve(opts, field_selector=field_selector)
    target = Target(request.info, ns)
    async with client.raw.watch(target, watch_opts, timeout=timeout or None) as events:
        async for event in events:
            if event.get("type") == "BOOKMARK":
                continue
            typer.echo(fmt(event.get("object") or {}, time.time()), nl=False)


__all__ = ["Fetched", "GetView", "fetch", "no_resources_line", "print_fetched", "watch_changes"]
