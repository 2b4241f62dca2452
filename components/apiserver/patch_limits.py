"""Bounds on the work and output of a patch, so a small patch cannot grow without limit.

A JSON patch of twenty ``copy`` operations, each copying the document into itself, doubles it
twenty times (1 KB in, 2 GB out). Kubernetes caps the operations of a JSON patch (10,000) and
the bytes its copies accumulate; here every added or copied value is sized (with work bounded
by the limit) before it is built, and the patched object is refused past `MAX_PATCHED_BYTES`.
"""

from __future__ import annotations

from typing import Any

from kernel.api.errors import Invalid, StatusError

MAX_JSON_PATCH_OPERATIONS = 10_000
"""Kubernetes' ``maxJSONPatchOperations``."""
MAX_PATCHED_BYTES = 3 * 1024 * 1024
"""Largest patched object (about its JSON size): Kubernetes' request size limit, 3 MiB."""


class PatchTooLarge(StatusError):  # noqa: N818 - named after the Status reason
    """413: the patch would make an object larger than the server accepts."""

    reason = "RequestEntityTooLarge"
    code = 413


def json_size(value: Any, limit: int = MAX_PATCHED_BYTES) -> int:
    """About the JSON-encoded size of `value`, counting stops just past `limit` (bounded work)."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, dict):
            total += 2 + len(item)
            for key, child in item.items():
                total += len(key) + 3
                stack.append(child)
        elif isinstance(item, list):
            total += 2 + len(item)
            stack.extend(item)
        else:
            total += 8
    return total


class PatchBudget:
    """Counts the bytes a JSON patch adds; refuses (413) once the object would pass the limit."""

    def __init__(self, start: int, limit: int = MAX_PATCHED_BYTES) -> None:
        self.size = start
        self.limit = limit

    def add(self, value: Any) -> None:
        """Account for `value` being inserted; raise before it is copied if it is too much."""
        self.size += json_size(value, self.limit - self.size)
        if self.size > self.limit:
            raise PatchTooLarge(f"the patched object would be larger than {self.limit} bytes")


def check_operations(count: int) -> None:
    """422 for a JSON patch with more operations than Kubernetes allows."""
    if count > MAX_JSON_PATCH_OPERATIONS:
        raise Invalid(
            f"the allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
            f"but found {count}"
        )


def check_result(result: Any) -> None:
    """413 when a patched object is larger than `MAX_PATCHED_BYTES`."""
    if json_size(result) > MAX_PATCHED_BYTES:
        raise PatchTooLarge(f"the patched object is larger than {MAX_PATCHED_BYTES} bytes")


__all__ = [
    "MAX_JSON_PATCH_OPERATIONS",
    "MAX_PATCHED_BYTES",
    "PatchBudget",
    "PatchTooLarge",
    "check_operations",
    "check_result",
    "json_size",
]
