"""EKS: a cluster's secrets envelope key; without one, EKS uses an AWS owned key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "eks"
CLIENT = "eks"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Clusters with their encryptionConfig."""
    names = [name async for name in scope.pages("list_clusters", "clusters")]
    async for resource in scope.each(lambda name: _cluster(scope, name), names):
        yield resource


async def _cluster(scope: Scope, name: str) -> Resource:
    arn = scope.arn("eks", f"cluster/{name}")
    reply = await scope.detail(
        "describe_cluster", tolerate={"ResourceNotFoundException"}, name=name
    )
    if reply.error_code:
        return scope.resource("cluster", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    cluster = reply.data["cluster"]
    arn = cluster.get("arn", arn)
    keys = [
        config.get("provider", {}).get("keyArn")
        for config in cluster.get("encryptionConfig", [])
        if "secrets" in config.get("resources", [])
    ]
    if keys and keys[0]:
        return scope.resource("cluster", name, arn, Hint.KMS, keys[0], "resources=secrets")

    return scope.resource("cluster", name, arn, Hint.AWS_OWNED, detail="no encryptionConfig")
