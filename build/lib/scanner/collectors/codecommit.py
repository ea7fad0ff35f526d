"""CodeCommit: each repository's kmsKeyId; none given means aws/codecommit."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "codecommit"
CLIENT = "codecommit"

BATCH = 25  # BatchGetRepositories takes at most 25 names


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Repositories, read 25 at a time."""
    names = [
        item["repositoryName"] async for item in scope.pages("list_repositories", "repositories")
    ]
    batches = [names[start : start + BATCH] for start in range(0, len(names), BATCH)]
    async for resources in scope.each(lambda batch: _repositories(scope, batch), batches):
        for resource in resources:
            yield resource


async def _repositories(scope: Scope, names: list[str]) -> list[Resource]:
    reply = await scope.detail("batch_get_repositories", repositoryNames=names)
    if reply.error_code:
        return [
            scope.resource(
                "repository",
                name,
                scope.arn("codecommit", name),
                Hint.UNREADABLE,
                error_code=reply.error_code,
            )
            for name in names
        ]

    return [
        scope.resource(
            "repository",
            repository["repositoryName"],
            repository.get("Arn") or scope.arn("codecommit", repository["repositoryName"]),
            Hint.KMS,
            repository.get("kmsKeyId"),
        )
        for repository in reply.data.get("repositories", [])
    ]
