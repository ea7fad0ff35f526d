"""ElastiCache: replication groups and snapshots; at rest without a key is service managed."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "elasticache"
CLIENT = "elasticache"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Replication groups and snapshots, from the listings alone."""
    async for group in scope.pages("describe_replication_groups", "ReplicationGroups"):
        group_id = group["ReplicationGroupId"]
        arn = group.get("ARN") or scope.arn("elasticache", f"replicationgroup:{group_id}")
        yield _at_rest(scope, "replication_group", group_id, arn, group)

    async for snapshot in scope.pages("describe_snapshots", "Snapshots"):
        name = snapshot["SnapshotName"]
        arn = snapshot.get("ARN") or scope.arn("elasticache", f"snapshot:{name}")
        yield _snapshot(scope, name, arn, snapshot)


def _at_rest(scope: Scope, resource_type: str, name: str, arn: str, item: dict) -> Resource:
    if not item.get("AtRestEncryptionEnabled"):
        return scope.resource(resource_type, name, arn, Hint.NOT_ENCRYPTED)

    key = item.get("KmsKeyId")
    if key:
        return scope.resource(resource_type, name, arn, Hint.KMS, key)

    # The default at-rest encryption uses a service owned key; only a chosen key is KMS.
    detail = "AtRestEncryptionEnabled, no KmsKeyId"
    return scope.resource(resource_type, name, arn, Hint.AWS_OWNED, detail=detail)


def _snapshot(scope: Scope, name: str, arn: str, snapshot: dict) -> Resource:
    key = snapshot.get("KmsKeyId")
    if key:
        return scope.resource("snapshot", name, arn, Hint.KMS, key)

    # A snapshot shows no encryption flag: without a key it has the service's own key, or
    # none when its group had encryption at rest off; the detail says which is unknown.
    detail = "no KmsKeyId: service owned key or not encrypted"
    return scope.resource("snapshot", name, arn, Hint.AWS_OWNED, detail=detail)
