"""ACM: no key in the API; each certificate's link to aws/acm is inferred."""

from scanner.collectors import acm
from scanner.records import Hint


def test_sandbox_certificates(on_sandbox, summary):
    assert summary(on_sandbox(acm, "us-east-1")) == {
        ("certificate", "us-east-1.sandbox.example.com", Hint.KMS_INFERRED, None),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(acm, "us-west-2") == []


def test_every_key_type_is_asked_for(stubbed, summary):
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"

    def stub(stubber):
        stubber.add_response(
            "list_certificates",
            {"CertificateSummaryList": [{"CertificateArn": arn, "DomainName": "ec.example.com"}]},
            {"Includes": {"keyTypes": acm.KEY_TYPES}},
        )

    assert summary(stubbed(acm, stub)) == {
        ("certificate", "ec.example.com", Hint.KMS_INFERRED, None)
    }
    assert "EC_secp384r1" in acm.KEY_TYPES
