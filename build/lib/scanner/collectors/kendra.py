"""Kendra: an index names a customer managed key, or uses an AWS owned key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.collectors.paging import token_pages
from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "kendra"
CLIENT = "kendra"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Indexes; the listing has no key, so each index is described."""
    items = token_pages(scope, "list_indices", "IndexConfigurationSummaryItems")
    indexes = [index async for index in items]
    async for resource in scope.each(lambda index: _index(scope, index), indexes):
        yield resource


async def _index(scope: Scope, summary: dict) -> Resource:
    index_id = summary["Id"]
    name = summary.get("Name") or index_id
    arn = scope.arn("kendra", f"index/{index_id}")
    reply = await scope.detail(
        "describe_index", tolerate={"ResourceNotFoundException"}, Id=index_id
    )
    if reply.error_code:
        return scope.resource("index", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    key = reply.data.get("ServerSideEncryptionConfiguration", {}).get("KmsKeyId")
    if key:
        return scope.resource("index", name, arn, Hint.KMS, key)

    detail = "no ServerSideEncryptionConfiguration"
    return scope.resource("index", name, arn, Hint.AWS_OWNED, detail=detail)
