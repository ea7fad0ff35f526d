"""Redshift Serverless namespaces: a key ARN, or AWS_OWNED_KMS_KEY (or none) for AWS owned."""

from scanner.collectors import redshift
from scanner.records import Hint
from tests.collectors.second_client import stub_client

MANAGED = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-11bb-22cc-33dd-444444444444"
CUSTOMER = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _no_clusters(stubber) -> None:
    stubber.add_response("describe_clusters", {"Clusters": []})
    stubber.add_response("describe_cluster_snapshots", {"Snapshots": []})


def _namespaces(monkeypatch, namespaces: list[dict]):
    def stub(stubber):
        stubber.add_response("list_namespaces", {"namespaces": namespaces})

    return stub_client(monkeypatch, "redshift-serverless", stub)


def test_namespaces(stubbed, summary, monkeypatch):
    check = _namespaces(
        monkeypatch,
        [
            {"namespaceName": "managed", "kmsKeyId": MANAGED},
            {"namespaceName": "customer", "kmsKeyId": CUSTOMER},
            {"namespaceName": "owned", "kmsKeyId": "AWS_OWNED_KMS_KEY"},
            {"namespaceName": "unnamed"},
        ],
    )

    found = stubbed(redshift, _no_clusters)

    check()
    assert summary(found) == {
        ("serverless_namespace", "managed", Hint.KMS, MANAGED),
        ("serverless_namespace", "customer", Hint.KMS, CUSTOMER),
        ("serverless_namespace", "owned", Hint.AWS_OWNED, None),
        ("serverless_namespace", "unnamed", Hint.AWS_OWNED, None),
    }
    details = {resource.resource_id: resource.detail for resource in found}
    assert details["owned"] == "kmsKeyId=AWS_OWNED_KMS_KEY"
    assert details["unnamed"] == "no kmsKeyId"


def test_namespace_arn_is_kept(stubbed, monkeypatch):
    arn = "arn:aws:redshift-serverless:us-east-1:123456789012:namespace/0a1b2c3d"
    check = _namespaces(monkeypatch, [{"namespaceName": "analytics", "namespaceArn": arn}])

    [namespace] = stubbed(redshift, _no_clusters)

    check()
    assert namespace.resource_arn == arn


def test_empty(stubbed, monkeypatch):
    check = _namespaces(monkeypatch, [])

    assert stubbed(redshift, _no_clusters) == []
    check()


def test_sandbox_answers_the_missing_service_empty(on_sandbox):
    found = on_sandbox(redshift, "us-east-1")

    assert found
    assert "serverless_namespace" not in {resource.resource_type for resource in found}
