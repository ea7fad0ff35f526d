"""DMS: replication instances and endpoints; always KMS, no key meaning aws/dms."""

from scanner.collectors import dms
from scanner.records import Hint


def test_sandbox_instances_and_endpoints(on_sandbox, summary, key_arn):
    managed = key_arn("eu-west-1", "alias/aws/dms")
    customer = key_arn("eu-west-1", "alias/sandbox-app")

    assert summary(on_sandbox(dms, "eu-west-1")) == {
        ("replication_instance", "dms-managed", Hint.KMS, managed),
        ("replication_instance", "dms-customer", Hint.KMS, customer),
        ("endpoint", "endpoint-managed", Hint.KMS, managed),
        ("endpoint", "endpoint-customer", Hint.KMS, customer),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(dms, "us-west-2") == []


def test_no_key_is_left_to_the_service_default(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "describe_replication_instances",
            {"ReplicationInstances": [{"ReplicationInstanceIdentifier": "ri"}]},
        )
        stubber.add_response("describe_endpoints", {"Endpoints": [{"EndpointIdentifier": "ep"}]})
        stubber.add_response("describe_replication_configs", {"ReplicationConfigs": []})

    assert summary(stubbed(dms, stub)) == {
        ("replication_instance", "ri", Hint.KMS, None),
        ("endpoint", "ep", Hint.KMS, None),
    }
