"""Timestream: databases are always KMS encrypted; no key means aws/timestream."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.collectors.paging import token_pages
from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "timestream"
CLIENT = "timestream-write"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Databases, from the listing alone."""
    async for database in token_pages(scope, "list_databases", "Databases"):
        name = database["DatabaseName"]
        arn = database.get("Arn") or scope.arn("timestream", f"database/{name}")
        yield scope.resource("database", name, arn, Hint.KMS, database.get("KmsKeyId"))
