"""Cloud9 (stubbed: moto has no Cloud9): environments, their key inferred."""

from scanner.collectors import cloud9
from scanner.records import Hint


def test_environments_are_inferred(stubbed, summary):
    ids = [f"{index:032x}" for index in range(26)]

    def stub(stubber):
        stubber.add_response("list_environments", {"environmentIds": ids})
        for batch in (ids[:25], ids[25:]):
            stubber.add_response(
                "describe_environments",
                {
                    "environments": [
                        {
                            "id": i,
                            "name": f"env-{i[-2:]}",
                            "type": "ec2",
                            "arn": f"arn:{i}",
                            "ownerArn": "arn:aws:iam::123456789012:user/dev",
                            "lifecycle": {},
                        }
                        for i in batch
                    ]
                },
                {"environmentIds": batch},
            )

    found = summary(stubbed(cloud9, stub))

    assert len(found) == 26
    assert {hint for _, _, hint, _ in found} == {Hint.KMS_INFERRED}


def test_empty_account(stubbed):
    assert (
        stubbed(cloud9, lambda s: s.add_response("list_environments", {"environmentIds": []})) == []
    )


def test_denied_describe_is_unreadable(stubbed):
    def stub(stubber):
        stubber.add_response("list_environments", {"environmentIds": ["abc"]})
        stubber.add_client_error(
            "describe_environments", service_error_code="AccessDeniedException"
        )

    [resource] = stubbed(cloud9, stub)

    assert (resource.hint, resource.error_code) == (Hint.UNREADABLE, "AccessDeniedException")
