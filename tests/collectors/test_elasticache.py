"""ElastiCache: replication groups and snapshots; only a chosen key is KMS."""

from scanner.collectors import elasticache
from scanner.records import Hint


def test_sandbox_replication_groups(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(elasticache, "us-east-1")) == {
        ("replication_group", "cache-plain", Hint.NOT_ENCRYPTED, None),
        ("replication_group", "cache-owned", Hint.AWS_OWNED, None),
        (
            "replication_group",
            "cache-customer",
            Hint.KMS,
            key_arn("us-east-1", "alias/sandbox-app"),
        ),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(elasticache, "us-west-2") == []


def test_snapshots_follow_their_group_unless_they_name_a_key(stubbed, summary):
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    def stub(stubber):
        stubber.add_response(
            "describe_replication_groups",
            {
                "ReplicationGroups": [
                    {"ReplicationGroupId": "plain", "AtRestEncryptionEnabled": False},
                    {"ReplicationGroupId": "owned", "AtRestEncryptionEnabled": True},
                ]
            },
        )
        stubber.add_response(
            "describe_snapshots",
            {
                "Snapshots": [
                    {"SnapshotName": "keyed", "KmsKeyId": key},
                    {"SnapshotName": "of-plain", "ReplicationGroupId": "plain"},
                    {"SnapshotName": "of-owned", "ReplicationGroupId": "owned"},
                    {"SnapshotName": "orphan", "ReplicationGroupId": "deleted"},
                ]
            },
        )
        stubber.add_response("describe_serverless_caches", {"ServerlessCaches": []})

    assert summary(stubbed(elasticache, stub)) == {
        ("replication_group", "plain", Hint.NOT_ENCRYPTED, None),
        ("replication_group", "owned", Hint.AWS_OWNED, None),
        ("snapshot", "keyed", Hint.KMS, key),
        ("snapshot", "of-plain", Hint.NOT_ENCRYPTED, None),
        ("snapshot", "of-owned", Hint.AWS_OWNED, None),
        ("snapshot", "orphan", Hint.AWS_OWNED, None),
    }
