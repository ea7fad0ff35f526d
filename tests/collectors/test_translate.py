"""Translate (stubbed: moto has no Translate): terminologies and parallel data."""

from scanner.collectors import translate
from scanner.records import Hint

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_keyed_and_default(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "list_terminologies",
            {
                "TerminologyPropertiesList": [
                    {"Name": "glossary", "EncryptionKey": {"Type": "KMS", "Id": KEY}},
                    {"Name": "plain"},
                ]
            },
        )
        stubber.add_response(
            "list_parallel_data",
            {"ParallelDataPropertiesList": [{"Name": "pairs"}], "NextToken": "n"},
        )
        stubber.add_response(
            "list_parallel_data",
            {
                "ParallelDataPropertiesList": [
                    {"Name": "more", "EncryptionKey": {"Type": "KMS", "Id": KEY}}
                ]
            },
            {"NextToken": "n"},
        )

    assert summary(stubbed(translate, stub)) == {
        ("terminology", "glossary", Hint.KMS, KEY),
        ("terminology", "plain", Hint.KMS_AMBIGUOUS, None),
        ("parallel_data", "pairs", Hint.KMS_AMBIGUOUS, None),
        ("parallel_data", "more", Hint.KMS, KEY),
    }


def test_empty_account(stubbed):
    def stub(stubber):
        stubber.add_response("list_terminologies", {"TerminologyPropertiesList": []})
        stubber.add_response("list_parallel_data", {"ParallelDataPropertiesList": []})

    assert stubbed(translate, stub) == []
