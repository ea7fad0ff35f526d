"""ElastiCache serverless caches: a chosen key is KMS; none is the AWS owned default."""

from scanner.collectors import elasticache
from scanner.records import Hint

MANAGED = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-11bb-22cc-33dd-444444444444"
CUSTOMER = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _listings(stubber, caches: list[dict]) -> None:
    stubber.add_response("describe_replication_groups", {"ReplicationGroups": []})
    stubber.add_response("describe_snapshots", {"Snapshots": []})
    stubber.add_response("describe_serverless_caches", {"ServerlessCaches": caches})


def test_serverless_caches(stubbed, summary):
    caches = [
        {"ServerlessCacheName": "managed", "KmsKeyId": MANAGED},
        {"ServerlessCacheName": "customer", "KmsKeyId": CUSTOMER},
        {"ServerlessCacheName": "owned"},
    ]

    assert summary(stubbed(elasticache, lambda stubber: _listings(stubber, caches))) == {
        ("serverless_cache", "managed", Hint.KMS, MANAGED),
        ("serverless_cache", "customer", Hint.KMS, CUSTOMER),
        ("serverless_cache", "owned", Hint.AWS_OWNED, None),
    }


def test_arn_is_built_when_absent(stubbed):
    [cache] = stubbed(
        elasticache, lambda stubber: _listings(stubber, [{"ServerlessCacheName": "c"}])
    )

    assert cache.resource_arn == "arn:aws:elasticache:us-east-1:123456789012:serverlesscache:c"


def test_empty(stubbed):
    assert stubbed(elasticache, lambda stubber: _listings(stubber, [])) == []


def test_sandbox_answers_the_missing_call_empty(on_sandbox):
    found = on_sandbox(elasticache, "us-east-1")

    assert found
    assert "serverless_cache" not in {resource.resource_type for resource in found}
