"""WorkSpaces: volume encryption key of each WorkSpace."""

from collections import Counter

from scanner.collectors import workspaces
from scanner.records import Hint


def test_sandbox_workspaces(on_sandbox, key_arn):
    found = on_sandbox(workspaces, "us-east-1")

    assert Counter((r.hint, r.key_reference) for r in found) == Counter(
        {
            (Hint.KMS, key_arn("us-east-1", "alias/aws/workspaces")): 1,
            (Hint.KMS, key_arn("us-east-1", "alias/sandbox-app")): 1,
            (Hint.NOT_ENCRYPTED, None): 1,
        }
    )


def test_empty_region(on_sandbox):
    assert on_sandbox(workspaces, "us-west-2") == []


def test_alias_name_is_kept_as_given(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "describe_workspaces",
            {
                "Workspaces": [
                    {
                        "WorkspaceId": "ws-0123456789",
                        "VolumeEncryptionKey": "alias/aws/workspaces",
                        "RootVolumeEncryptionEnabled": True,
                    }
                ]
            },
        )

    assert summary(stubbed(workspaces, stub)) == {
        ("workspace", "ws-0123456789", Hint.KMS, "alias/aws/workspaces")
    }
