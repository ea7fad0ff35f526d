"""AppFlow (stubbed: moto has no AppFlow): kmsArn, or ambiguous when absent."""

from scanner.collectors import appflow
from scanner.records import Hint

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_flows_with_and_without_a_key(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "list_flows",
            {"flows": [{"flowName": "keyed"}], "nextToken": "page2"},
        )
        stubber.add_response(
            "list_flows", {"flows": [{"flowName": "bare"}]}, {"nextToken": "page2"}
        )
        stubber.add_response(
            "describe_flow", {"flowName": "keyed", "kmsArn": KEY}, {"flowName": "keyed"}
        )
        stubber.add_response("describe_flow", {"flowName": "bare"}, {"flowName": "bare"})

    assert summary(stubbed(appflow, stub)) == {
        ("flow", "keyed", Hint.KMS, KEY),
        ("flow", "bare", Hint.KMS_AMBIGUOUS, None),
    }


def test_empty_account(stubbed):
    assert stubbed(appflow, lambda s: s.add_response("list_flows", {"flows": []})) == []
