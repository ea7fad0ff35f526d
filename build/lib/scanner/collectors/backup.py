"""Backup: each vault names the ARN of the key that encrypts its recovery points."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "backup"
CLIENT = "backup"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Backup vaults, from the listing alone."""
    # TODO(#3): recovery points (ListRecoveryPointsByBackupVault), once the sandbox has the call.
    async for vault in scope.pages("list_backup_vaults", "BackupVaultList"):
        name = vault["BackupVaultName"]
        arn = vault.get("BackupVaultArn") or scope.arn("backup", f"backup-vault:{name}")
        # An AWS owned key (air-gapped vaults) lives in another account; resolving its ARN
        # then fails with an error code, so such a vault is never shown as AWS managed.
        detail = f"VaultType={vault.get('VaultType', 'BACKUP_VAULT')}"
        key = vault.get("EncryptionKeyArn")
        yield scope.resource("backup_vault", name, arn, Hint.KMS, key, detail)
