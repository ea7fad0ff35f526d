"""ECR: each repository's encryption configuration (AES256 is SSE-S3, not KMS)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "ecr"
CLIENT = "ecr"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Repositories, from the listing alone."""
    async for repository in scope.pages("describe_repositories", "repositories"):
        name, arn = repository["repositoryName"], repository["repositoryArn"]
        config = repository.get("encryptionConfiguration", {})
        kind = config.get("encryptionType", "AES256")
        detail = f"encryptionType={kind}"
        if kind.startswith("KMS"):
            yield scope.resource("repository", name, arn, Hint.KMS, config.get("kmsKey"), detail)
        else:
            yield scope.resource("repository", name, arn, Hint.AWS_OWNED, detail=detail)
