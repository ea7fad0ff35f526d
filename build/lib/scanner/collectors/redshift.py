"""Redshift: provisioned clusters and their snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "redshift"
CLIENT = "redshift"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Clusters and the snapshots of them, from the listings alone."""
    async for cluster in scope.pages("describe_clusters", "Clusters"):
        name = cluster["ClusterIdentifier"]
        arn = scope.arn("redshift", f"cluster:{name}")
        yield _encrypted(scope, "cluster", name, arn, cluster)

    async for snapshot in scope.pages("describe_cluster_snapshots", "Snapshots"):
        name = snapshot["SnapshotIdentifier"]
        cluster = snapshot.get("ClusterIdentifier", "")
        arn = scope.arn("redshift", f"snapshot:{cluster}/{name}")
        yield _encrypted(scope, "snapshot", name, arn, snapshot)


def _encrypted(scope: Scope, resource_type: str, name: str, arn: str, item: dict) -> Resource:
    if not item.get("Encrypted"):
        return scope.resource(resource_type, name, arn, Hint.NOT_ENCRYPTED)

    return scope.resource(resource_type, name, arn, Hint.KMS, item.get("KmsKeyId"))
