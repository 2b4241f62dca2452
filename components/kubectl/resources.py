"""kubectl-like resource commands: `apply -f`, `get`, `describe`, `delete`, over the kubeconfig.

Every command reads the kubeconfig (``--kubeconfig``, else ``$KUBECONFIG``, else
``~/.kubelab/kubeconfig``) and talks to the API server through `kernel.client`'s raw API, so
fields the object model lacks still print. Server errors, an unreachable server, an unknown
kind, a bad flag value or an invalid manifest end in one line and a non-zero exit.
"""

from __future__ import annotations

import sys
import time

import typer

from components.kubectl.applying import PrunePlan, apply_one, prune
from components.kubectl.connection import (
    kubeconfig_path,
    namespace_for,
    read_kubeconfig,
    run_with_client,
    server_error,
)
from components.kubectl.deleting import DeleteRun, delete_targets, select_targets
from components.kubectl.flags import (
    DRY_RUN_SUFFIX,
    check_selection,
    dry_run_strategy,
    label_columns,
    label_query,
)
from components.kubectl.getting import (
    GetView,
    fetch,
    no_resources_line,
    print_fetched,
    watch_changes,
)
from components.kubectl.kinds import object_ref, resolve_kind
from components.kubectl.manifests import manifest_target, matching, read_manifests
from components.kubectl.printers import check_output_format
from components.kubectl.selection import parse_resource_args
from kernel.api.errors import StatusError
from kernel.api.requests import ListOptions, Target
from kernel.cli.errors import UserError, complain
from kernel.client import HTTPClient
from kernel.objects import ResourceInfo

KubeconfigOpt = typer.Option(None, "--kubeconfig", help="Path to the kubeconfig file.")
NamespaceOpt = typer.Option(None, "-n", "--namespace", help="The namespace (default: context's).")
SelectorOpt = typer.Option("", "-l", "--selector", help="Label selector, e.g. app=web,tier!=db.")
DryRunOpt = typer.Option(
    "none", "--dry-run", help='"none", "client" (send nothing) or "server" (dryRun=All).'
)


def register(app: typer.Typer) -> None:
    """Add `apply`, `get`, `describe` and `delete` to the root app."""

    @app.command("apply")
    def apply_cmd(  # noqa: PLR0917 - typer maps parameters to options
        filename: list[str] = typer.Option(
            ..., "-f", "--filename", help="Manifest file, folder or - for stdin."
        ),
        namespace: str | None = NamespaceOpt,
        selector: str = SelectorOpt,
        select_all: bool = typer.Option(
            False, "--all", help="With --prune: consider every object of the pruned kinds."
        ),
        prune_flag: bool = typer.Option(
            False, "--prune", help="Delete applied-before objects (matching -l) not in the files."
        ),
        dry_run: str = DryRunOpt,
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """Create or update the objects of multi-document YAML manifests (three-way merge)."""
        strategy = dry_run_strategy(dry_run)
        check_selection(names=False, selector=selector, field_selector="", select_all=select_all)
        if prune_flag and not (select_all or selector):
            raise UserError(
                "all resources selected for prune without explicitly passing --all. To prune "
                "all resources, pass the --all flag. If you did not mean to prune all "
                "resources, specify a label selector (-l)"
            )
        config = read_kubeconfig(kubeconfig)
        docs = matching(read_manifests(filename), selector)
        if not docs:
            raise UserError(f"no objects passed to apply (none match -l {selector!r})")
        targets = [manifest_target(d, namespace, config) for d in docs]
        suffix = DRY_RUN_SUFFIX[strategy]
        failures: list[str] = []

        async def work(client: HTTPClient) -> None:
            for target, doc in zip(targets, docs, strict=True):
                try:
                    outcome = await apply_one(client, target, doc, strategy)
                except StatusError as err:
                    failures.append(server_error(err))
                    complain(failures[-1])
                    continue
                typer.echo(f"{object_ref(target.resource, target.name)} {outcome}{suffix}")
            if prune_flag and not failures:
                plan = PrunePlan(
                    selector,
                    frozenset((t.resource.plural, t.namespace, t.name) for t in targets),
                    tuple(dict.fromkeys(t.namespace for t in targets if t.resource.namespaced)),
                )
                await prune(client, plan, strategy, typer.echo)

        run_with_client(config, work)
        if failures:
            raise typer.Exit(1)

    @app.command("get")
    def get_cmd(  # noqa: PLR0917 - typer maps parameters to options
        kind: str = typer.Argument(
            ..., metavar="TYPE[,TYPE...]|TYPE/NAME", help="pods, po, svc, deploy, svc,po, all"
        ),
        names: list[str] | None = typer.Argument(None, metavar="[NAME]..."),
        namespace: str | None = NamespaceOpt,
        all_namespaces: bool = typer.Option(False, "-A", "--all-namespaces"),
        selector: str = SelectorOpt,
        field_selector: str = typer.Option("", "--field-selector"),
        output: str | None = typer.Option(None, "-o", "--output", help="wide|yaml|json|name"),
        show_labels: bool = typer.Option(False, "--show-labels", help="Add a LABELS column."),
        show_kind: bool = typer.Option(False, "--show-kind", help="Names as kind/name."),
        label_cols: list[str] | None = typer.Option(
            None, "-L", "--label-columns", help="Label keys to show as columns (a,b)."
        ),
        watch: bool = typer.Option(False, "-w", "--watch", help="Then print each change."),
        request_timeout: int = typer.Option(
            0, "--request-timeout", help="Seconds before a watch ends (0: never)."
        ),
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """List objects of one or more types, or show named ones, as kubectl's tables."""
        check_output_format(output)
        requests = parse_resource_args([kind, *(names or [])], "get")
        named = any(r.names for r in requests)
        check_selection(
            names=named, selector=selector, field_selector=field_selector, select_all=False
        )
        label_query(selector)
        view = GetView(output, all_namespaces, label_columns(label_cols), show_labels, show_kind)
        if request_timeout < 0:
            raise UserError(f"invalid --request-timeout {request_timeout}: must be 0 or more")
        if watch and len(requests) > 1:
            raise UserError("you may only specify a single resource type")
        if named and all_namespaces and any(r.info.namespaced for r in requests):
            raise UserError("a resource cannot be retrieved by name across all namespaces")
        config = read_kubeconfig(kubeconfig)
        default_ns = namespace or config.namespace or "default"

        def namespace_of(info: ResourceInfo) -> str:
            return "" if all_namespaces else namespace_for(info, namespace, config)

        opts = ListOptions(selector, field_selector)
        failed = False

        async def work(client: HTTPClient) -> None:
            nonlocal failed
            fetched = await fetch(client, requests, namespace_of, opts)
            printed = print_fetched(fetched, requests, view)
            failed = bool(fetched.errors)
            if not printed and not failed and not watch and view.human_readable:
                print(no_resources_line(requests, view, default_ns), file=sys.stderr)
            if watch and not failed:
                req = requests[0]
                rv = None if req.names else fetched.resource_version
                watch_opts = ListOptions(selector, field_selector, rv)
                await watch_changes(
                    client, req, namespace_of(req.info), watch_opts, view, request_timeout
                )

        run_with_client(config, work)
        if failed:
            raise typer.Exit(1)

    @app.command("describe")
    def describe_cmd(
        kind: str = typer.Argument(..., metavar="KIND"),
        name: str | None = typer.Argument(None, metavar="NAME"),
        namespace: str | None = NamespaceOpt,
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """Show one object in detail, with the events about it."""
        from components.kubectl.describe import describe, events_about

        requests = parse_resource_args([kind, *([name] if name else [])], "describe")
        if len(requests) != 1 or len(requests[0].names) != 1:
            raise UserError("describe needs one TYPE and a NAME, e.g. `kubelab describe pod web`")
        info, name = requests[0].info, requests[0].names[0]
        config = read_kubeconfig(kubeconfig)
        ns = namespace_for(info, namespace, config)

        async def work(client: HTTPClient) -> None:
            obj = await client.raw.get(Target(info, ns, name))
            try:
                data = await client.raw.list(Target(resolve_kind("events"), ns), ListOptions())
            except StatusError:  # no events to show is no reason to fail the describe
                data = {}
            events = events_about(obj, info.kind, list(data.get("items") or []))
            typer.echo(describe(obj, events, time.time()), nl=False)

        run_with_client(config, work)

    @app.command("delete")
    def delete_cmd(  # noqa: PLR0917 - typer maps parameters to options
        kind: str | None = typer.Argument(None, metavar="TYPE[,TYPE...]|TYPE/NAME"),
        names: list[str] | None = typer.Argument(None, metavar="[NAME]..."),
        filename: list[str] | None = typer.Option(None, "-f", "--filename"),
        namespace: str | None = NamespaceOpt,
        all_namespaces: bool = typer.Option(
            False, "-A", "--all-namespaces", help="With -l/--all: select in every namespace."
        ),
        selector: str = SelectorOpt,
        field_selector: str = typer.Option("", "--field-selector"),
        select_all: bool = typer.Option(
            False, "--all", help="Delete every object of the types in the namespace."
        ),
        ignore_not_found: bool = typer.Option(False, "--ignore-not-found"),
        dry_run: str = DryRunOpt,
        output: str | None = typer.Option(None, "-o", "--output", help="name"),
        kubeconfig: str | None = KubeconfigOpt,
    ) -> None:
        """Delete named objects, the objects a selector or --all picks, or those of manifests."""
        run = DeleteRun(dry_run_strategy(dry_run), output, ignore_not_found)
        if output not in (None, "name"):
            raise UserError(f"unexpected -o output mode: {output}. We only support '-o name'")
        label_query(selector)
        config = read_kubeconfig(kubeconfig)
        targets: list[Target] = []
        scopes: list[Target] = []
        if filename:
            if kind:
                raise UserError(
                    "when paths, URLs, or stdin is provided as input, you may not specify "
                    "resource arguments as well"
                )
            docs = matching(read_manifests(filename, "delete"), selector)
            targets = [manifest_target(d, namespace, config) for d in docs]
        elif kind:
            requests = parse_resource_args([kind, *(names or [])], "delete")
            named = any(r.names for r in requests)
            check_selection(
                names=named,
                selector=selector,
                field_selector=field_selector,
                select_all=select_all,
            )
            if not named and not (selector or field_selector or select_all):
                raise UserError(
                    "resource(s) were provided, but no name was specified: name objects, "
                    "or pass -l SELECTOR or --all"
                )
            for req in requests:
                ns = namespace_for(req.info, namespace, config)
                if named:
                    targets += [Target(req.info, ns, n) for n in req.names]
                else:
                    scopes.append(Target(req.info, "" if all_namespaces else ns))
        else:
            raise UserError(
                "you must provide one or more resources by argument or filename, e.g. "
                "`kubelab delete pod web`, `kubelab delete pods -l app=web` or `-f FILE`"
            )
        failures = 0

        async def work(client: HTTPClient) -> None:
            nonlocal failures
            chosen = targets
            if scopes:
                chosen = await select_targets(client, scopes, ListOptions(selector, field_selector))
            if not chosen:
                typer.echo("No resources found")
                return
            failures = await delete_targets(client, chosen, run, selected=bool(scopes))

        run_with_client(config, work)
        if failures:
            raise typer.Exit(1)


__all__ = ["kubeconfig_path", "read_kubeconfig", "read_manifests", "register"]
