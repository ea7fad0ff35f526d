"""DAX: the API shows only whether SSE is on, so an encrypted cluster's key is inferred."""

from scanner.collectors import dax
from scanner.records import Hint


def test_sandbox_clusters(on_sandbox, summary):
    assert summary(on_sandbox(dax, "us-east-1")) == {
        ("cluster", "dax-encrypted", Hint.KMS_INFERRED, None),
        ("cluster", "dax-plain", Hint.NOT_ENCRYPTED, None),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(dax, "us-west-2") == []


def test_status_decides_between_inferred_and_not_encrypted(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "describe_clusters",
            {
                "Clusters": [
                    {"ClusterName": "enabling", "SSEDescription": {"Status": "ENABLING"}},
                    {"ClusterName": "disabling", "SSEDescription": {"Status": "DISABLING"}},
                    {"ClusterName": "absent"},
                ]
            },
        )

    assert summary(stubbed(dax, stub)) == {
        ("cluster", "enabling", Hint.KMS_INFERRED, None),
        ("cluster", "disabling", Hint.NOT_ENCRYPTED, None),
        ("cluster", "absent", Hint.NOT_ENCRYPTED, None),
    }
