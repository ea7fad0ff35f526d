"""MSK: provisioned clusters name their data volume key; serverless clusters name none."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "kafka"
CLIENT = "kafka"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Clusters of both types, from the v2 listing (the v1 listing omits encryption)."""
    async for cluster in scope.pages("list_clusters_v2", "ClusterInfoList"):
        name = cluster["ClusterName"]
        arn = cluster.get("ClusterArn") or scope.arn("kafka", f"cluster/{name}")
        kind = cluster.get("ClusterType", "")
        detail = f"ClusterType={kind}"
        if kind == "SERVERLESS":
            # Serverless clusters are always encrypted, and the API names no key.
            yield scope.resource("cluster", name, arn, Hint.KMS_AMBIGUOUS, detail=detail)
            continue

        at_rest = cluster.get("Provisioned", {}).get("EncryptionInfo", {})
        key = at_rest.get("EncryptionAtRest", {}).get("DataVolumeKMSKeyId")
        yield scope.resource("cluster", name, arn, Hint.KMS, key, detail)
