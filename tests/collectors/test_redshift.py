"""Redshift: provisioned clusters and their snapshots."""

from scanner.collectors import redshift
from scanner.records import Hint
from tests.collectors.second_client import stub_client


def test_sandbox_clusters_and_snapshots(on_sandbox, summary, key_arn):
    managed = key_arn("us-east-1", "alias/aws/redshift")
    customer = key_arn("us-east-1", "alias/sandbox-app")
    found = summary(on_sandbox(redshift, "us-east-1"))
    automatic = {(t, i.rsplit("-", 5)[0], h, k) for t, i, h, k in found if i.startswith("rs:")}

    assert found - {row for row in found if row[1].startswith("rs:")} == {
        ("cluster", "redshift-managed", Hint.KMS, managed),
        ("cluster", "redshift-customer", Hint.KMS, customer),
        ("cluster", "redshift-plain", Hint.NOT_ENCRYPTED, None),
        ("snapshot", "redshift-managed-snap", Hint.KMS, managed),
    }
    assert automatic == {
        ("snapshot", "rs:redshift-managed", Hint.KMS, managed),
        ("snapshot", "rs:redshift-customer", Hint.KMS, customer),
        ("snapshot", "rs:redshift-plain", Hint.NOT_ENCRYPTED, None),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(redshift, "us-west-2") == []


def test_encrypted_without_a_key_is_left_to_the_service_default(stubbed, summary, monkeypatch):
    def no_namespaces(stubber):
        stubber.add_response("list_namespaces", {"namespaces": []})

    stub_client(monkeypatch, "redshift-serverless", no_namespaces)

    def stub(stubber):
        stubber.add_response(
            "describe_clusters", {"Clusters": [{"ClusterIdentifier": "old", "Encrypted": True}]}
        )
        stubber.add_response("describe_cluster_snapshots", {"Snapshots": []})

    assert summary(stubbed(redshift, stub)) == {("cluster", "old", Hint.KMS, None)}
