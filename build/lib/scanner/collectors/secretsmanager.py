"""Secrets Manager: every secret is KMS encrypted; KmsKeyId is absent for aws/secretsmanager."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "secretsmanager"
CLIENT = "secretsmanager"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Secrets, from the listing alone."""
    async for secret in scope.pages("list_secrets", "SecretList"):
        yield scope.resource(
            "secret", secret["Name"], secret["ARN"], Hint.KMS, secret.get("KmsKeyId")
        )
