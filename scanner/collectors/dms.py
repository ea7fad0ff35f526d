"""DMS: instances, endpoints and serverless configs are always KMS; no key means aws/dms."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.collectors.paging import token_pages
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
    """Replication instances, endpoints and serverless replication configs, from listings."""
    for operation, result_key, resource_type, id_field, arn_field in LISTINGS:
        async for item in scope.pages(operation, result_key):
            yield scope.resource(
                resource_type,
                item[id_field],
                item.get(arn_field, ""),
                Hint.KMS,
                item.get("KmsKeyId"),
            )

    # The SDK has no paginator for serverless replication configs; they page by Marker.
    configs = token_pages(scope, "describe_replication_configs", "ReplicationConfigs", "Marker")
    async for config in configs:
        yield scope.resource(
            "replication_config",
            config["ReplicationConfigIdentifier"],
            config.get("ReplicationConfigArn", ""),
            Hint.KMS,
            config.get("ComputeConfig", {}).get("KmsKeyId"),
        )
