"""CodeArtifact: each domain names its encryption key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "codeartifact"
CLIENT = "codeartifact"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Domains, from the listing alone."""
    async for domain in scope.pages("list_domains", "domains"):
        name = domain["name"]
        arn = domain.get("arn") or scope.arn("codeartifact", f"domain/{name}")
        yield scope.resource("domain", name, arn, Hint.KMS, domain.get("encryptionKey"))
