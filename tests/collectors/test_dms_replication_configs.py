"""DMS serverless replication configs: the key sits in ComputeConfig; none means aws/dms."""

from scanner.collectors import dms
from scanner.records import Hint

MANAGED = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-11bb-22cc-33dd-444444444444"
CUSTOMER = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _listings(stubber, configs: list[dict], marker: str | None = None) -> None:
    stubber.add_response("describe_replication_instances", {"ReplicationInstances": []})
    stubber.add_response("describe_endpoints", {"Endpoints": []})
    page = {"ReplicationConfigs": configs}
    if marker:
        page["Marker"] = marker
    stubber.add_response("describe_replication_configs", page)


def _config(name: str, key: str | None) -> dict:
    compute = {"KmsKeyId": key} if key else {}
    return {
        "ReplicationConfigIdentifier": name,
        "ReplicationConfigArn": f"arn:aws:dms:us-east-1:123456789012:replication-config:{name}",
        "ComputeConfig": compute,
    }


def test_configs_over_pages(stubbed, summary):
    def stub(stubber):
        _listings(stubber, [_config("managed", MANAGED), _config("default", None)], "next")
        stubber.add_response(
            "describe_replication_configs",
            {"ReplicationConfigs": [_config("customer", CUSTOMER)]},
            {"Marker": "next"},
        )

    assert summary(stubbed(dms, stub)) == {
        ("replication_config", "managed", Hint.KMS, MANAGED),
        ("replication_config", "default", Hint.KMS, None),
        ("replication_config", "customer", Hint.KMS, CUSTOMER),
    }


def test_config_without_compute_config_is_left_to_the_default(stubbed, summary):
    def stub(stubber):
        _listings(stubber, [{"ReplicationConfigIdentifier": "bare"}])

    assert summary(stubbed(dms, stub)) == {("replication_config", "bare", Hint.KMS, None)}


def test_empty(stubbed):
    assert stubbed(dms, lambda stubber: _listings(stubber, [])) == []


def test_sandbox_answers_the_missing_call_empty(on_sandbox):
    found = on_sandbox(dms, "eu-west-1")

    assert found
    assert "replication_config" not in {resource.resource_type for resource in found}
