"""Backup: vaults and their recovery points each name the ARN of the key that encrypts them."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "backup"
CLIENT = "backup"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Backup vaults, then the recovery points kept in each."""
    names = []
    async for vault in scope.pages("list_backup_vaults", "BackupVaultList"):
        name = vault["BackupVaultName"]
        names.append(name)
        arn = vault.get("BackupVaultArn") or scope.arn("backup", f"backup-vault:{name}")
        # An AWS owned key (air-gapped vaults) lives in another account; resolving its ARN
        # then fails with an error code, so such a vault is never shown as AWS managed.
        detail = f"VaultType={vault.get('VaultType', 'BACKUP_VAULT')}"
        key = vault.get("EncryptionKeyArn")
        yield scope.resource("backup_vault", name, arn, Hint.KMS, key, detail)

    for name in names:
        async for point in scope.pages(
            "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=name
        ):
            yield _recovery_point(scope, name, point)


def _recovery_point(scope: Scope, vault: str, point: dict) -> Resource:
    arn = point["RecoveryPointArn"]
    detail = f"vault={vault}, resource={point.get('ResourceArn', '')}"
    if point.get("IsEncrypted") is False:
        return scope.resource("recovery_point", arn, arn, Hint.NOT_ENCRYPTED, detail=detail)

    # As for a vault, no key given is left to the service default rather than guessed.
    key = point.get("EncryptionKeyArn")
    return scope.resource("recovery_point", arn, arn, Hint.KMS, key, detail)
