"""DAX: clusters show only whether encryption at rest is on, never which key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "dax"
CLIENT = "dax"

ENCRYPTED = frozenset({"ENABLED", "ENABLING"})


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Clusters with their SSEDescription status; the key is the service default, inferred."""
    async for cluster in scope.pages("describe_clusters", "Clusters"):
        name = cluster["ClusterName"]
        arn = cluster.get("ClusterArn") or scope.arn("dax", f"cache/{name}")
        status = cluster.get("SSEDescription", {}).get("Status", "")
        detail = f"SSEStatus={status or 'absent'}"
        if status in ENCRYPTED:
            yield scope.resource("cluster", name, arn, Hint.KMS_INFERRED, detail=detail)
        else:
            yield scope.resource("cluster", name, arn, Hint.NOT_ENCRYPTED, detail=detail)
