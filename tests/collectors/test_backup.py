"""Backup: vault keys, and the key type that marks an AWS owned key."""

from scanner.collectors import backup
from scanner.records import Hint


def test_sandbox_vaults(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(backup, "us-east-1")) == {
        ("backup_vault", "vault-managed", Hint.KMS, key_arn("us-east-1", "alias/aws/backup")),
        ("backup_vault", "vault-customer", Hint.KMS, key_arn("us-east-1", "alias/sandbox-app")),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(backup, "us-west-2") == []


def test_vault_type_is_kept_and_no_key_is_left_to_the_service_default(stubbed):
    def stub(stubber):
        stubber.add_response(
            "list_backup_vaults",
            {
                "BackupVaultList": [
                    {
                        "BackupVaultName": "air-gapped",
                        "VaultType": "LOGICALLY_AIR_GAPPED_BACKUP_VAULT",
                    }
                ]
            },
        )
        stubber.add_response("list_recovery_points_by_backup_vault", {"RecoveryPoints": []})

    [vault] = stubbed(backup, stub)

    assert (vault.resource_id, vault.hint, vault.key_reference) == ("air-gapped", Hint.KMS, None)
    assert vault.detail == "VaultType=LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
