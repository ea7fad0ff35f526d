"""Redshift: provisioned clusters, their snapshots, and serverless namespaces."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "redshift"
CLIENT = "redshift"

# Serverless namespaces have their own client: (client, operation, result key).
SERVERLESS = ("redshift-serverless", "list_namespaces", "namespaces")
AWS_OWNED_KEY = "AWS_OWNED_KMS_KEY"  # what a namespace shows for its default key


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Clusters, the snapshots of them and serverless namespaces, from the listings alone."""
    async for cluster in scope.pages("describe_clusters", "Clusters"):
        name = cluster["ClusterIdentifier"]
        arn = scope.arn("redshift", f"cluster:{name}")
        yield _encrypted(scope, "cluster", name, arn, cluster)

    async for snapshot in scope.pages("describe_cluster_snapshots", "Snapshots"):
        name = snapshot["SnapshotIdentifier"]
        cluster = snapshot.get("ClusterIdentifier", "")
        arn = scope.arn("redshift", f"snapshot:{cluster}/{name}")
        yield _encrypted(scope, "snapshot", name, arn, snapshot)

    async for resource in _namespaces(scope):
        yield resource


def _encrypted(scope: Scope, resource_type: str, name: str, arn: str, item: dict) -> Resource:
    if not item.get("Encrypted"):
        return scope.resource(resource_type, name, arn, Hint.NOT_ENCRYPTED)

    return scope.resource(resource_type, name, arn, Hint.KMS, item.get("KmsKeyId"))


async def _namespaces(scope: Scope) -> AsyncIterator[Resource]:
    client, operation, result_key = SERVERLESS
    serverless = await scope.with_client(client)
    if serverless is None:
        return  # Redshift Serverless is not offered in every region Redshift is

    async for namespace in serverless.pages(operation, result_key):
        yield _namespace(scope, namespace)


def _namespace(scope: Scope, namespace: dict) -> Resource:
    name = namespace["namespaceName"]
    arn = namespace.get("namespaceArn") or scope.arn("redshift-serverless", f"namespace/{name}")
    key = namespace.get("kmsKeyId")
    if key and key != AWS_OWNED_KEY:
        return scope.resource("serverless_namespace", name, arn, Hint.KMS, key)

    # The default for a namespace is an AWS owned key, not aws/redshift.
    detail = f"kmsKeyId={key}" if key else "no kmsKeyId"
    return scope.resource("serverless_namespace", name, arn, Hint.AWS_OWNED, detail=detail)
