r"""Lists: selectors, resourceVersion semantics and `limit`/`continue` pagination.

Every page of a paginated list is read at the revision of the first page, so together the
pages are one consistent snapshot, as in Kubernetes; the continue token carries that revision
and the key to resume after (Kubernetes' token format: base64 of
``{"v":"meta.k8s.io/v1","rv":R,"start":"<key suffix>\\u0000"}``). When compaction has removed
that revision the next page is 410 Expired with Kubernetes' message.

resourceVersion: unset = the latest state; "0" = any state (we serve the latest); "N" with
``resourceVersionMatch=Exact`` = exactly revision N (410 when compacted); "N" otherwise = not
older than N (the latest; 504 Timeout if the store has not reached N).
"""

from __future__ import annotations

import base64
import binascii
import json

import attrs

from components.apiserver.json_input import loads_untrusted
from components.apiserver.storage import Obj, Storage, decode
from kernel.api.errors import BadRequest, Expired, StatusDetails, StatusError, Timeout
from kernel.api.requests import ListOptions
from kernel.api.selectors import Selection

CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in the list."
)
"""Kubernetes' exact 410 message for a continue token whose revision was compacted."""

TOKEN_VERSION = "meta.k8s.io/v1"
MAX_REVISION = 2**63 - 1
"""Revisions are int64, as in etcd: a token past that is malformed, not a store error."""


@attrs.frozen
class ListPage:
    """One page: matching objects, the snapshot's revision, and how to get the next page."""

    items: list[Obj]
    resource_version: str
    continue_token: str = ""
    remaining_item_count: int | None = None


def encode_continue(revision: int, start: str) -> str:
    """A continue token resuming after key suffix `start` at `revision`."""
    raw = json.dumps(
        {"v": TOKEN_VERSION, "rv": revision, "start": start + "\x00"}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    """(revision, key suffix to start at) from a token; BadRequest when malformed."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = loads_untrusted(base64.urlsafe_b64decode(padded.encode()), "the continue token")
        revision, start = data["rv"], data["start"]
        if (
            data.get("v") != TOKEN_VERSION
            or type(revision) is not int
            or type(start) is not str
            or not 0 < revision <= MAX_REVISION
        ):
            raise ValueError("bad token fields")  # noqa: TRY301 - one error path for all
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError, BadRequest):
        raise BadRequest("continue key is not valid: the continue token is malformed") from None
    if start.startswith("/") or ".." in start.split("/"):
        raise BadRequest("continue key is not valid: the continue token is malformed")
    return revision, start


def _parse_rv(value: str) -> int:
    if not (value.isascii() and value.lstrip("-").isdigit()) or len(value) > 20:
        raise BadRequest(f"invalid resourceVersion {value[:40]!r}: must be an integer")
    rev = int(value)
    if rev > MAX_REVISION:
        raise BadRequest(f"invalid resourceVersion {value!r}: larger than an int64")
    if rev < 0:
        raise BadRequest(f"invalid resourceVersion {value!r}: must not be negative")
    return rev


def _read_revision(opts: ListOptions) -> tuple[int, int]:
    """(revision to read the first page at, 0 = latest; the oldest acceptable revision).

    For "not older than" reads, the store's revision is checked against the first page's
    header revision in `_collect`, which saves a status() round trip per list.
    """
    rv, match = opts.resource_version, opts.resource_version_match
    if match not in ("", "Exact", "NotOlderThan"):
        raise BadRequest(
            f'unsupported resourceVersionMatch "{match}": supported values: "Exact", "NotOlderThan"'
        )
    if rv in (None, ""):
        if match:
            raise BadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
        return 0, 0
    rev = _parse_rv(rv)  # type: ignore[arg-type]
    if match == "Exact":
        if rev == 0:
            raise BadRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"')
        return rev, 0
    return 0, rev


async def list_page(  # noqa: PLR0917 - internal, called positionally by one caller
    storage: Storage,
    start: bytes,
    end: bytes,
    prefix: bytes,
    selection: Selection,
    opts: ListOptions,
) -> ListPage:
    """Read one page of objects in ``[start, end)`` (`prefix` anchors continue tokens)."""
    if opts.limit < 0:
        raise BadRequest(f"limit must not be negative, got {opts.limit}")
    revision = not_older_than = 0
    if opts.continue_token:
        if opts.resource_version not in (None, "", "0"):
            raise BadRequest("specifying resource version is not allowed when using continue")
        revision, suffix = decode_continue(opts.continue_token)
        start = max(start, prefix + suffix.encode())
    else:
        revision, not_older_than = _read_revision(opts)
    try:
        return await _collect(
            storage, (start, end, prefix), selection, opts.limit, revision, not_older_than
        )
    except Expired:
        if opts.continue_token:
            raise Expired(CONTINUE_EXPIRED) from None
        raise


async def _collect(  # noqa: PLR0917 - internal, called positionally by one caller
    storage: Storage,
    keys: tuple[bytes, bytes, bytes],
    selection: Selection,
    limit: int,
    revision: int,
    not_older_than: int = 0,
) -> ListPage:
    start, end, prefix = keys
    items: list[Obj] = []
    while True:
        res = await storage.range(start, end, revision=revision, limit=limit)
        if not revision and not_older_than > res.revision:
            raise Timeout(
                f"Too large resource version: {not_older_than}, current: {res.revision}",
                StatusDetails(retry_after_seconds=1),
            )
        revision = revision or res.revision
        for n, kv in enumerate(res.kvs):
            obj = decode(kv)
            if selection.matches(obj):
                items.append(obj)
            if limit and len(items) == limit and (n + 1 < len(res.kvs) or res.more):
                token = encode_continue(revision, kv.key[len(prefix) :].decode())
                remaining = res.count - n - 1 if selection.everything else None
                return ListPage(items, str(revision), token, remaining)
        if not limit or not res.more or not res.kvs:
            return ListPage(items, str(revision))
        start = res.kvs[-1].key + b"\0"


__all__ = [
    "CONTINUE_EXPIRED",
    "ListOptions",
    "ListPage",
    "StatusError",
    "decode_continue",
    "encode_continue",
    "list_page",
]
