"""OpenSearch Service: domains, described five names at a time."""

from scanner.collectors import opensearch
from scanner.records import Hint


def test_sandbox_domains(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(opensearch, "us-east-1")) == {
        ("domain", "search-managed", Hint.KMS, key_arn("us-east-1", "alias/aws/es")),
        ("domain", "search-customer", Hint.KMS, key_arn("us-east-1", "alias/sandbox-app")),
        ("domain", "search-plain", Hint.NOT_ENCRYPTED, None),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(opensearch, "us-west-2") == []


def _status(name: str, options: dict) -> dict:
    return {
        "DomainId": f"123456789012/{name}",
        "DomainName": name,
        "ARN": f"arn:aws:es:us-east-1:123456789012:domain/{name}",
        "ClusterConfig": {},
        "EncryptionAtRestOptions": options,
    }


def test_six_domains_take_two_calls_and_no_key_is_the_default(stubbed, summary):
    names = [f"domain{index}" for index in range(6)]

    def stub(stubber):
        stubber.add_response(
            "list_domain_names", {"DomainNames": [{"DomainName": name} for name in names]}
        )
        stubber.add_response(
            "describe_domains",
            {"DomainStatusList": [_status(name, {"Enabled": True}) for name in names[:5]]},
            {"DomainNames": names[:5]},
        )
        stubber.add_response(
            "describe_domains",
            {"DomainStatusList": [_status("domain5", {"Enabled": False})]},
            {"DomainNames": names[5:]},
        )

    assert summary(stubbed(opensearch, stub)) == {
        *(("domain", name, Hint.KMS, None) for name in names[:5]),
        ("domain", "domain5", Hint.NOT_ENCRYPTED, None),
    }
