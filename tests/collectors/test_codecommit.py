"""CodeCommit (stubbed: moto lacks the listing calls): kmsKeyId of each repository."""

from scanner.collectors import codecommit
from scanner.records import Hint

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_repositories(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "list_repositories",
            {"repositories": [{"repositoryName": "app"}, {"repositoryName": "old"}]},
        )
        stubber.add_response(
            "batch_get_repositories",
            {
                "repositories": [
                    {"repositoryName": "app", "kmsKeyId": KEY},
                    {"repositoryName": "old"},
                ]
            },
            {"repositoryNames": ["app", "old"]},
        )

    assert summary(stubbed(codecommit, stub)) == {
        ("repository", "app", Hint.KMS, KEY),
        ("repository", "old", Hint.KMS, None),
    }


def test_empty_account(stubbed):
    def stub(stubber):
        stubber.add_response("list_repositories", {"repositories": []})

    assert stubbed(codecommit, stub) == []
