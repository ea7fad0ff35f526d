"""SES: S3 actions of receipt rules, encrypted or not."""

from scanner.collectors import ses
from scanner.records import Hint


def test_sandbox_receipt_rules(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(ses, "eu-west-1")) == {
        ("receipt_rule", "mail/managed", Hint.KMS, key_arn("eu-west-1", "alias/aws/ses")),
        ("receipt_rule", "mail/customer", Hint.KMS, key_arn("eu-west-1", "alias/sandbox-app")),
        ("receipt_rule", "mail/plain", Hint.NOT_ENCRYPTED, None),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(ses, "us-west-2") == []


def test_alias_arn_is_kept_as_given(stubbed, summary):
    alias = "arn:aws:kms:us-east-1:123456789012:alias/aws/ses"

    def stub(stubber):
        stubber.add_response("list_receipt_rule_sets", {"RuleSets": [{"Name": "inbound"}]})
        stubber.add_response(
            "describe_receipt_rule_set",
            {
                "Rules": [
                    {
                        "Name": "store",
                        "Actions": [
                            {"S3Action": {"BucketName": "mail", "KmsKeyArn": alias}},
                            {"StopAction": {"Scope": "RuleSet"}},
                        ],
                    }
                ]
            },
            {"RuleSetName": "inbound"},
        )

    assert summary(stubbed(ses, stub)) == {("receipt_rule", "inbound/store", Hint.KMS, alias)}
