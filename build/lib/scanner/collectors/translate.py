"""Translate: terminologies and parallel data; without a key the default is not named."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.collectors.paging import token_pages
from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "translate"
CLIENT = "translate"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Custom terminologies and parallel data, from the listings alone."""
    async for item in scope.pages("list_terminologies", "TerminologyPropertiesList"):
        yield _item(scope, "terminology", item)

    async for item in token_pages(scope, "list_parallel_data", "ParallelDataPropertiesList"):
        yield _item(scope, "parallel_data", item)


def _item(scope: Scope, resource_type: str, item: dict) -> Resource:
    name = item["Name"]
    arn = item.get("Arn") or scope.arn("translate", f"{resource_type}/{name}")
    key = item.get("EncryptionKey", {})
    if key.get("Type") == "KMS" and key.get("Id"):
        return scope.resource(resource_type, name, arn, Hint.KMS, key["Id"])

    detail = "no EncryptionKey"
    return scope.resource(resource_type, name, arn, Hint.KMS_AMBIGUOUS, detail=detail)
