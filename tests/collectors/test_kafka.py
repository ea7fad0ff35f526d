"""MSK: provisioned clusters name their data volume key; serverless ones name none."""

from scanner.collectors import kafka
from scanner.records import Hint


def test_sandbox_clusters(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(kafka, "eu-west-1")) == {
        ("cluster", "msk-managed", Hint.KMS, key_arn("eu-west-1", "alias/aws/kafka")),
        ("cluster", "msk-customer", Hint.KMS, key_arn("eu-west-1", "alias/sandbox-app")),
        ("cluster", "msk-serverless", Hint.KMS_AMBIGUOUS, None),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(kafka, "us-west-2") == []


def test_provisioned_without_encryption_info_is_left_to_the_service_default(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "list_clusters_v2",
            {"ClusterInfoList": [{"ClusterName": "bare", "ClusterType": "PROVISIONED"}]},
        )

    assert summary(stubbed(kafka, stub)) == {("cluster", "bare", Hint.KMS, None)}
