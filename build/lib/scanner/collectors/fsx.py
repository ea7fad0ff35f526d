"""FSx: file systems and backups; no key given means aws/fsx."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "fsx"
CLIENT = "fsx"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """File systems and backups, from the listings alone."""
    async for system in scope.pages("describe_file_systems", "FileSystems"):
        yield _item(scope, "file_system", system["FileSystemId"], system)

    async for backup in scope.pages("describe_backups", "Backups"):
        yield _item(scope, "backup", backup["BackupId"], backup)


def _item(scope: Scope, resource_type: str, resource_id: str, item: dict) -> Resource:
    arn = item.get("ResourceARN") or scope.arn("fsx", f"{resource_type}/{resource_id}")
    kind = item.get("FileSystemType", "")
    detail = f"FileSystemType={kind}" if kind else ""
    return scope.resource(resource_type, resource_id, arn, Hint.KMS, item.get("KmsKeyId"), detail)
