"""`kubelab delete`: named objects, objects matching ``-l`` / ``--field-selector`` / ``--all``.

Like kubectl, a selection is listed first and each object is deleted by name, printing
``pod "web" deleted`` (``deployment.apps "web" deleted``); nothing selected prints ``No
resources found``. ``--dry-run=client`` sends no delete (and, for named objects, no request at
all, as kubectl); ``--dry-run=server`` sends each with ``dryRun=All``.
"""

from __future__ import annotations

import attrs
import typer

from components.kubectl.connection import server_error
from components.kubectl.flags import DRY_RUN_SUFFIX, DryRun
from components.kubectl.kinds import object_ref, qualified_kind
from kernel.api.errors import NotFound, StatusError
from kernel.api.requests import DeleteOptions, ListOptions, Target
from kernel.cli.errors import complain
from kernel.client import HTTPClient


@attrs.frozen
class DeleteRun:
    """How to delete and report: dry-run strategy, ``-o name``, ``--ignore-not-found``."""

    dry_run: DryRun = "none"
    output: str | None = None
    ignore_not_found: bool = False


async def select_targets(
    client: HTTPClient, scopes: list[Target], opts: ListOptions
) -> list[Target]:
    """Every object the selectors match in each (resource, namespace) scope, by name."""
    targets: list[Target] = []
    for scope in scopes:
        data = await client.raw.list(scope, opts)
        for obj in data.get("items") or []:
            meta = obj.get("metadata") or {}
            where = str(meta.get("namespace", "") or "") if scope.resource.namespaced else ""
            targets.append(Target(scope.resource, where, str(meta.get("name", ""))))
    return targets


def deleted_line(target: Target, run: DeleteRun) -> str:
    """Kubectl's report of one deletion."""
    if run.output == "name":
        return object_ref(target.resource, target.name)
    kind = qualified_kind(target.resource)
    return f'{kind} "{target.name}" deleted{DRY_RUN_SUFFIX[run.dry_run]}'


async def delete_targets(
    client: HTTPClient, targets: list[Target], run: DeleteRun, *, selected: bool
) -> int:
    """Delete each target and print a line per object; returns the number of failures.

    `selected` targets came from a list, so one already gone is skipped silently; a named one
    that is missing is an error unless ``--ignore-not-found``.
    """
    failures = 0
    options = DeleteOptions(dry_run=run.dry_run == "server")
    for target in targets:
        if run.dry_run != "client":
            try:
                await client.raw.delete(target, options)
            except NotFound as err:
                if not (selected or run.ignore_not_found):
                    failures += 1
                    complain(server_error(err))
                continue
            except StatusError as err:
                failures += 1
                complain(server_error(err))
                continue
        typer.echo(deleted_line(target, run))
    return failures


__all__ = ["DeleteRun", "delete_targets", "deleted_line", "select_targets"]
