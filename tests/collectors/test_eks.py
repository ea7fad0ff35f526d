"""EKS: the secrets envelope key, or an AWS owned key when none is configured."""

from scanner.collectors import eks
from scanner.records import Hint


def test_sandbox_clusters(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(eks, "us-east-1")) == {
        ("cluster", "eks-owned", Hint.AWS_OWNED, None),
        ("cluster", "eks-managed", Hint.KMS, key_arn("us-east-1", "alias/aws/eks")),
        ("cluster", "eks-customer", Hint.KMS, key_arn("us-east-1", "alias/sandbox-app")),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(eks, "us-west-2") == []


def test_denied_describe_is_unreadable_not_clean(stubbed):
    def stub(stubber):
        stubber.add_response("list_clusters", {"clusters": ["locked"]})
        stubber.add_client_error("describe_cluster", service_error_code="AccessDeniedException")

    [resource] = stubbed(eks, stub)

    assert (resource.resource_id, resource.hint) == ("locked", Hint.UNREADABLE)
    assert resource.error_code == "AccessDeniedException"
