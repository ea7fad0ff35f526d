"""Paging by hand, for listings the SDK has no paginator for; not a collector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scanner.engine import Scope


async def token_pages(
    scope: Scope, operation: str, result_key: str, token: str = "NextToken", **params: Any
) -> AsyncIterator[Any]:
    """The items of every page, following the response's token until it is absent."""
    while True:
        page = await scope.call(operation, **params)
        for item in page.get(result_key, []):
            yield item

        if not page.get(token):
            return

        params = {**params, token: page[token]}
