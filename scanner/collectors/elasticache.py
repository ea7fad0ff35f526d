"""ElastiCache: replication groups, serverless caches and snapshots; no key is AWS owned."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "elasticache"
CLIENT = "elasticache"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Replication groups, serverless caches and snapshots, from the listings alone."""
    at_rest: dict[str, bool] = {}
    async for group in scope.pages("describe_replication_groups", "ReplicationGroups"):
        group_id = group["ReplicationGroupId"]
        at_rest[group_id] = bool(group.get("AtRestEncryptionEnabled"))
        arn = group.get("ARN") or scope.arn("elasticache", f"replicationgroup:{group_id}")
        yield _at_rest(scope, "replication_group", group_id, arn, group)

    async for snapshot in scope.pages("describe_snapshots", "Snapshots"):
        name = snapshot["SnapshotName"]
        arn = snapshot.get("ARN") or scope.arn("elasticache", f"snapshot:{name}")
        yield _snapshot(scope, name, arn, snapshot, at_rest)

    async for cache in scope.pages("describe_serverless_caches", "ServerlessCaches"):
        yield _serverless(scope, cache)


def _at_rest(scope: Scope, resource_type: str, name: str, arn: str, item: dict) -> Resource:
    if not item.get("AtRestEncryptionEnabled"):
        return scope.resource(resource_type, name, arn, Hint.NOT_ENCRYPTED)

    key = item.get("KmsKeyId")
    if key:
        return scope.resource(resource_type, name, arn, Hint.KMS, key)

    # The default at-rest encryption uses a service owned key; only a chosen key is KMS.
    detail = "AtRestEncryptionEnabled, no KmsKeyId"
    return scope.resource(resource_type, name, arn, Hint.AWS_OWNED, detail=detail)


def _snapshot(
    scope: Scope, name: str, arn: str, snapshot: dict, at_rest: dict[str, bool]
) -> Resource:
    key = snapshot.get("KmsKeyId")
    if key:
        return scope.resource("snapshot", name, arn, Hint.KMS, key)

    # A snapshot has no encryption flag of its own; it follows its replication group.
    group = snapshot.get("ReplicationGroupId", "")
    if at_rest.get(group) is False:
        return scope.resource("snapshot", name, arn, Hint.NOT_ENCRYPTED, detail=f"group={group}")

    detail = f"group={group}, no KmsKeyId" if group in at_rest else "group gone, no KmsKeyId"
    return scope.resource("snapshot", name, arn, Hint.AWS_OWNED, detail=detail)


def _serverless(scope: Scope, cache: dict) -> Resource:
    name = cache["ServerlessCacheName"]
    arn = cache.get("ARN") or scope.arn("elasticache", f"serverlesscache:{name}")
    key = cache.get("KmsKeyId")
    if key:
        return scope.resource("serverless_cache", name, arn, Hint.KMS, key)

    # Serverless caches are always encrypted at rest; without a chosen key, by an AWS owned one.
    return scope.resource("serverless_cache", name, arn, Hint.AWS_OWNED, detail="no KmsKeyId")
