"""The values a request carries into the server core: what it targets and its options.

`Target` names the resource, namespace, object and subresource a verb acts on (what the URL
says in HTTP); `DeleteOptions` mirrors Kubernetes' DeleteOptions body/query parameters;
`ListOptions` the list and watch query parameters. Clients and the server share these types.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from kernel.api.errors import BadRequest
from kernel.objects import ResourceInfo


@attrs.frozen
class ListOptions:
    """The query parameters of a list (and of the list that starts a watch)."""

    label_selector: str = ""
    field_selector: str = ""
    resource_version: str | None = None
    resource_version_match: str = ""
    limit: int = 0
    continue_token: str = ""


PropagationPolicy = Literal["Orphan", "Background", "Foreground"]
PROPAGATION_POLICIES: tuple[str, ...] = ("Orphan", "Background", "Foreground")


@attrs.frozen
class Target:
    """What a request acts on: ``pods`` in ``default``, object ``web``, subresource ``status``."""

    resource: ResourceInfo
    namespace: str = ""
    """Empty for cluster-scoped resources and for lists across all namespaces."""
    name: str = ""
    subresource: str = ""

    def describe(self) -> str:
        """``pods/web/status`` (for error messages)."""
        parts = [self.resource.plural, self.name, self.subresource]
        return "/".join(p for p in parts if p)


@attrs.frozen
class DeleteOptions:
    """How to delete: grace period, dependents policy, preconditions, dry run."""

    grace_period_seconds: int | None = None
    propagation_policy: PropagationPolicy | None = None
    orphan_dependents: bool | None = None
    precondition_uid: str | None = None
    precondition_resource_version: str | None = None
    dry_run: bool = False

    @classmethod
    def from_wire(cls, body: Any, query: dict[str, str] | None = None) -> DeleteOptions:
        """Parse a DeleteOptions body (may be empty) merged with query parameters."""
        query = query or {}
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise BadRequest("the body of a delete must be a DeleteOptions object")
        pre = body.get("preconditions") or {}
        grace = body.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
        policy = body.get("propagationPolicy", query.get("propagationPolicy"))
        orphan = body.get("orphanDependents", query.get("orphanDependents"))
        dry = body.get("dryRun") or ([query["dryRun"]] if "dryRun" in query else [])
        return cls(
            grace_period_seconds=_int_or_none(grace, "gracePeriodSeconds"),
            propagation_policy=_policy(policy),
            orphan_dependents=_bool_or_none(orphan, "orphanDependents"),
            precondition_uid=_str_or_none(pre.get("uid") if isinstance(pre, dict) else None),
            precondition_resource_version=_str_or_none(
                pre.get("resourceVersion") if isinstance(pre, dict) else None
            ),
            dry_run=parse_dry_run(dry),
        )


def parse_dry_run(value: Any) -> bool:
    """``dryRun=All`` means do everything but store; anything else is a BadRequest."""
    values = value if isinstance(value, list) else [value] if value else []
    for v in values:
        if v != "All":
            raise BadRequest(f'invalid dryRun value "{v}": supported values: "All"')
    return bool(values)


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRequest(f"{name} must be an integer, got {value!r}")
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be an integer, got {value!r}") from None
    if out < 0:
        raise BadRequest(f"{name} must be non-negative, got {out}")
    return out


def _bool_or_none(value: Any, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise BadRequest(f"{name} must be true or false, got {value!r}")


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _policy(value: Any) -> PropagationPolicy | None:
    if value is None or value == "":
        return None
    if value not in PROPAGATION_POLICIES:
        raise BadRequest(
            f'unsupported propagationPolicy "{value}": supported values: '
            '"Orphan", "Background", "Foreground"'
        )
    return value  # type: ignore[no-any-return]


__all__ = [
    "PROPAGATION_POLICIES",
    "DeleteOptions",
    "ListOptions",
    "PropagationPolicy",
    "Target",
    "parse_dry_run",
]
