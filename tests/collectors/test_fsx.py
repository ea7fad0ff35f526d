"""FSx: file systems and backups, always KMS encrypted."""

from collections import Counter

from scanner.collectors import fsx
from scanner.records import Hint


def test_sandbox_file_systems(on_sandbox, key_arn):
    found = on_sandbox(fsx, "eu-west-1")

    assert Counter((r.resource_type, r.hint, r.key_reference) for r in found) == Counter(
        {
            ("file_system", Hint.KMS, key_arn("eu-west-1", "alias/aws/fsx")): 1,
            ("file_system", Hint.KMS, key_arn("eu-west-1", "alias/sandbox-app")): 1,
        }
    )
    assert all(r.resource_id.startswith("fs-") for r in found)


def test_empty_region(on_sandbox):
    assert on_sandbox(fsx, "us-west-2") == []


def test_backup_without_a_key_is_left_to_the_service_default(stubbed, summary):
    def stub(stubber):
        stubber.add_response("describe_file_systems", {"FileSystems": []})
        stubber.add_response(
            "describe_backups",
            {
                "Backups": [
                    {
                        "BackupId": "backup-0123456789abcdef0",
                        "Lifecycle": "AVAILABLE",
                        "Type": "AUTOMATIC",
                        "CreationTime": "2026-01-01T00:00:00Z",
                        "FileSystem": {},
                    }
                ]
            },
        )

    assert summary(stubbed(fsx, stub)) == {("backup", "backup-0123456789abcdef0", Hint.KMS, None)}
