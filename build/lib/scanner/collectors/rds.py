"""RDS, and DocumentDB and Neptune through the RDS API: instances, clusters and snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "rds"
CLIENT = "rds"

# (operation, result key, resource type, id field, ARN field, encrypted flag)
LISTINGS = (
    (
        "describe_db_instances",
        "DBInstances",
        "db_instance",
        "DBInstanceIdentifier",
        "DBInstanceArn",
        "StorageEncrypted",
    ),
    (
        "describe_db_clusters",
        "DBClusters",
        "db_cluster",
        "DBClusterIdentifier",
        "DBClusterArn",
        "StorageEncrypted",
    ),
    (
        "describe_db_snapshots",
        "DBSnapshots",
        "db_snapshot",
        "DBSnapshotIdentifier",
        "DBSnapshotArn",
        "Encrypted",
    ),
    (
        "describe_db_cluster_snapshots",
        "DBClusterSnapshots",
        "db_cluster_snapshot",
        "DBClusterSnapshotIdentifier",
        "DBClusterSnapshotArn",
        "StorageEncrypted",
    ),
)


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Every instance, cluster and snapshot, whatever its engine."""
    for operation, result_key, resource_type, id_field, arn_field, flag in LISTINGS:
        async for item in scope.pages(operation, result_key):
            detail = f"Engine={item.get('Engine', '')}"
            hint = Hint.KMS if item.get(flag) else Hint.NOT_ENCRYPTED
            yield scope.resource(
                resource_type,
                item[id_field],
                item.get(arn_field, ""),
                hint,
                item.get("KmsKeyId") if hint == Hint.KMS else None,
                detail,
            )
