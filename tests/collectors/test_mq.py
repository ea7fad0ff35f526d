"""Amazon MQ: AWS owned, aws/mq (no key given) or a customer managed key."""

from scanner.collectors import mq
from scanner.records import Hint


def test_sandbox_brokers(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(mq, "us-east-1")) == {
        ("broker", "mq-owned", Hint.AWS_OWNED, None),
        ("broker", "mq-managed", Hint.KMS, None),
        ("broker", "mq-customer", Hint.KMS, key_arn("us-east-1", "alias/sandbox-app")),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(mq, "us-west-2") == []


def test_throttled_describe_is_unreadable(stubbed):
    def stub(stubber):
        stubber.add_response(
            "list_brokers",
            {
                "BrokerSummaries": [
                    {
                        "BrokerId": "b-1",
                        "BrokerName": "busy",
                        "DeploymentMode": "SINGLE_INSTANCE",
                        "EngineType": "ACTIVEMQ",
                    }
                ]
            },
        )
        stubber.add_client_error("describe_broker", service_error_code="ThrottlingException")

    [resource] = stubbed(mq, stub)

    assert (resource.resource_id, resource.hint) == ("busy", Hint.UNREADABLE)
    assert resource.error_code == "ThrottlingException"
