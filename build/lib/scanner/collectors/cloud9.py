"""Cloud9: environments; the API names no key, so aws/cloud9 is inferred."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "cloud9"
CLIENT = "cloud9"

BATCH = 25  # DescribeEnvironments takes at most 25 ids


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Environments, described 25 at a time."""
    ids = [item async for item in scope.pages("list_environments", "environmentIds")]
    batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    async for resources in scope.each(lambda batch: _environments(scope, batch), batches):
        for resource in resources:
            yield resource


async def _environments(scope: Scope, ids: list[str]) -> list[Resource]:
    reply = await scope.detail("describe_environments", environmentIds=ids)
    if reply.error_code:
        return [
            scope.resource(
                "environment",
                environment_id,
                scope.arn("cloud9", f"environment:{environment_id}"),
                Hint.UNREADABLE,
                error_code=reply.error_code,
            )
            for environment_id in ids
        ]

    return [
        scope.resource(
            "environment",
            environment.get("name") or environment["id"],
            environment.get("arn") or scope.arn("cloud9", f"environment:{environment['id']}"),
            Hint.KMS_INFERRED,
        )
        for environment in reply.data.get("environments", [])
    ]
