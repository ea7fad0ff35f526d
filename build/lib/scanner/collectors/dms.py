"""DMS: replication instances and endpoints are always KMS encrypted; no key means aws/dms."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "dms"
CLIENT = "dms"

# (operation, result key, resource type, id field, ARN field)
LISTINGS = (
    (
        "describe_replication_instances",
        "ReplicationInstances",
        "replication_instance",
        "ReplicationInstanceIdentifier",
        "ReplicationInstanceArn",
    ),
    ("describe_endpoints", "Endpoints", "endpoint", "EndpointIdentifier", "EndpointArn"),
)


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Replication instances and endpoints, from the listings alone."""
    for operation, result_key, resource_type, id_field, arn_field in LISTINGS:
        async for item in scope.pages(operation, result_key):
            yield scope.resource(
                resource_type,
                item[id_field],
                item.get(arn_field, ""),
                Hint.KMS,
                item.get("KmsKeyId"),
            )
