"""Connect: storage configs (stubbed: moto lacks them) and regions without Connect."""

from scanner import catalog
from scanner.collectors import connect
from scanner.records import Hint

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_sandbox_empty_account(on_sandbox):
    assert on_sandbox(connect, "us-east-1") == []


def test_connect_is_absent_from_a_sandbox_region():
    assert "eu-west-1" not in catalog.available_regions("connect")


def _storage(kind: str) -> dict:
    if kind == "CALL_RECORDINGS":
        config = {
            "BucketName": "calls",
            "BucketPrefix": "x",
            "EncryptionConfig": {"EncryptionType": "KMS", "KeyId": KEY},
        }
        return {
            "StorageConfigs": [{"AssociationId": "a1", "StorageType": "S3", "S3Config": config}]
        }

    if kind == "CHAT_TRANSCRIPTS":
        config = {"BucketName": "chats", "BucketPrefix": "x"}
        return {
            "StorageConfigs": [{"AssociationId": "a2", "StorageType": "S3", "S3Config": config}]
        }

    if kind == "CONTACT_TRACE_RECORDS":
        return {"StorageConfigs": [{"AssociationId": "a3", "StorageType": "KINESIS_STREAM"}]}

    return {"StorageConfigs": []}


def test_storage_configs(stubbed, summary):
    instance = "11111111-2222-3333-4444-555555555555"

    def stub(stubber):
        stubber.add_response("list_instances", {"InstanceSummaryList": [{"Id": instance}]})
        for kind in connect.RESOURCE_TYPES:
            stubber.add_response(
                "list_instance_storage_configs",
                _storage(kind),
                {"InstanceId": instance, "ResourceType": kind},
            )

    assert summary(stubbed(connect, stub)) == {
        ("instance_storage_config", f"{instance}/CALL_RECORDINGS/a1", Hint.KMS, KEY),
        ("instance_storage_config", f"{instance}/CHAT_TRANSCRIPTS/a2", Hint.AWS_OWNED, None),
    }
