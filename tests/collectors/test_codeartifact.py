"""CodeArtifact (stubbed: moto has no CodeArtifact): each domain's encryption key."""

from scanner.collectors import codeartifact
from scanner.records import Hint

MANAGED = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
CUSTOMER = "arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222"


def test_domains(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "list_domains",
            {
                "domains": [
                    {"name": "default", "encryptionKey": MANAGED},
                    {"name": "custom", "encryptionKey": CUSTOMER},
                ]
            },
        )

    assert summary(stubbed(codeartifact, stub)) == {
        ("domain", "default", Hint.KMS, MANAGED),
        ("domain", "custom", Hint.KMS, CUSTOMER),
    }


def test_empty_account(stubbed):
    assert stubbed(codeartifact, lambda s: s.add_response("list_domains", {"domains": []})) == []
