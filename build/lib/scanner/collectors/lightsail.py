"""Lightsail: instances, disks and databases; the API names no key, so aws/lightsail is inferred."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "lightsail"
CLIENT = "lightsail"

# (operation, result key, resource type)
LISTINGS = (
    ("get_instances", "instances", "instance"),
    ("get_disks", "disks", "disk"),
    ("get_relational_databases", "relationalDatabases", "database"),
)


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Every instance, disk and managed database, from the listings alone."""
    for operation, result_key, resource_type in LISTINGS:
        async for item in scope.pages(operation, result_key):
            name = item["name"]
            arn = item.get("arn") or scope.arn("lightsail", f"{resource_type}/{name}")
            yield scope.resource(resource_type, name, arn, Hint.KMS_INFERRED)
