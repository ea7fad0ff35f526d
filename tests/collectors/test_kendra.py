"""Kendra (stubbed: moto has no Kendra): a customer key, or AWS owned."""

from scanner.collectors import kendra
from scanner.records import Hint

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEYED = "11111111-1111-1111-1111-111111111111"
OWNED = "22222222-2222-2222-2222-222222222222"


def test_indexes(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "list_indices",
            {
                "IndexConfigurationSummaryItems": [
                    {
                        "Id": KEYED,
                        "Name": "keyed",
                        "CreatedAt": 0,
                        "UpdatedAt": 0,
                        "Status": "ACTIVE",
                    },
                    {
                        "Id": OWNED,
                        "Name": "owned",
                        "CreatedAt": 0,
                        "UpdatedAt": 0,
                        "Status": "ACTIVE",
                    },
                ]
            },
        )
        stubber.add_response(
            "describe_index",
            {"Id": KEYED, "ServerSideEncryptionConfiguration": {"KmsKeyId": KEY}},
            {"Id": KEYED},
        )
        stubber.add_response("describe_index", {"Id": OWNED}, {"Id": OWNED})

    assert summary(stubbed(kendra, stub)) == {
        ("index", "keyed", Hint.KMS, KEY),
        ("index", "owned", Hint.AWS_OWNED, None),
    }


def test_empty_account(stubbed):
    def stub(stubber):
        stubber.add_response("list_indices", {"IndexConfigurationSummaryItems": []})

    assert stubbed(kendra, stub) == []
