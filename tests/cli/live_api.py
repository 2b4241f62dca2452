"""Direct API calls for CLI tests: setting up what `kubelab apply` cannot (objects without
the last-applied annotation, changes by another writer)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import trio

from kernel.client import HTTPClient, open_http_client


def call_api(url: str, work: Callable[[HTTPClient], Awaitable[Any]]) -> Any:
    """Run `work` with an HTTP client of the test server (to set up what apply cannot)."""

    async def main() -> Any:
        async with open_http_client(url) as client:
            return await work(client)

    return trio.run(main)
