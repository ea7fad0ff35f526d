"""EFS: file systems; with Encrypted and no key given, aws/elasticfilesystem is used."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "elasticfilesystem"
CLIENT = "efs"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """File systems, from the listing alone."""
    async for system in scope.pages("describe_file_systems", "FileSystems"):
        system_id = system["FileSystemId"]
        arn = system.get("FileSystemArn") or scope.arn(
            "elasticfilesystem", f"file-system/{system_id}"
        )
        if system.get("Encrypted"):
            yield scope.resource("file_system", system_id, arn, Hint.KMS, system.get("KmsKeyId"))
        else:
            yield scope.resource("file_system", system_id, arn, Hint.NOT_ENCRYPTED)
