"""Backup recovery points: listed per vault, each with the key ARN that encrypts it."""

from scanner.collectors import backup
from scanner.records import Hint

MANAGED = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-11bb-22cc-33dd-444444444444"
CUSTOMER = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
POINT = "arn:aws:backup:us-east-1:123456789012:recovery-point:"


def _vaults(stubber, *names: str) -> None:
    vaults = [{"BackupVaultName": name} for name in names]
    stubber.add_response("list_backup_vaults", {"BackupVaultList": vaults})


def test_recovery_points_of_each_vault(stubbed, summary):
    def stub(stubber):
        _vaults(stubber, "default", "app")
        stubber.add_response(
            "list_recovery_points_by_backup_vault",
            {
                "RecoveryPoints": [
                    {"RecoveryPointArn": POINT + "managed", "EncryptionKeyArn": MANAGED},
                    {"RecoveryPointArn": POINT + "default", "IsEncrypted": True},
                ]
            },
            {"BackupVaultName": "default"},
        )
        stubber.add_response(
            "list_recovery_points_by_backup_vault",
            {
                "RecoveryPoints": [
                    {"RecoveryPointArn": POINT + "customer", "EncryptionKeyArn": CUSTOMER},
                    {"RecoveryPointArn": POINT + "plain", "IsEncrypted": False},
                ]
            },
            {"BackupVaultName": "app"},
        )

    assert summary(stubbed(backup, stub)) == {
        ("backup_vault", "default", Hint.KMS, None),
        ("backup_vault", "app", Hint.KMS, None),
        ("recovery_point", POINT + "managed", Hint.KMS, MANAGED),
        ("recovery_point", POINT + "default", Hint.KMS, None),
        ("recovery_point", POINT + "customer", Hint.KMS, CUSTOMER),
        ("recovery_point", POINT + "plain", Hint.NOT_ENCRYPTED, None),
    }


def test_recovery_point_detail_names_its_vault(stubbed):
    def stub(stubber):
        _vaults(stubber, "app")
        point = {"RecoveryPointArn": POINT + "x", "ResourceArn": "arn:aws:ec2:volume/vol-1"}
        stubber.add_response("list_recovery_points_by_backup_vault", {"RecoveryPoints": [point]})

    found = stubbed(backup, stub)

    assert found[-1].detail == "vault=app, resource=arn:aws:ec2:volume/vol-1"


def test_empty_vault(stubbed, summary):
    def stub(stubber):
        _vaults(stubber, "empty")
        stubber.add_response("list_recovery_points_by_backup_vault", {"RecoveryPoints": []})

    assert summary(stubbed(backup, stub)) == {("backup_vault", "empty", Hint.KMS, None)}


def test_sandbox_answers_the_missing_call_empty(on_sandbox):
    found = on_sandbox(backup, "us-east-1")

    assert found
    assert {resource.resource_type for resource in found} == {"backup_vault"}
