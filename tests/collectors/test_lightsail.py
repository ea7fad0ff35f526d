"""Lightsail (stubbed: moto has no Lightsail): instances, disks, databases, keys inferred."""

from scanner.collectors import lightsail
from scanner.records import Hint


def test_resources_are_inferred(stubbed, summary):
    def stub(stubber):
        stubber.add_response("get_instances", {"instances": [{"name": "web", "arn": "arn:i"}]})
        stubber.add_response("get_disks", {"disks": [{"name": "data", "arn": "arn:d"}]})
        stubber.add_response(
            "get_relational_databases", {"relationalDatabases": [{"name": "db", "arn": "arn:r"}]}
        )

    assert summary(stubbed(lightsail, stub)) == {
        ("instance", "web", Hint.KMS_INFERRED, None),
        ("disk", "data", Hint.KMS_INFERRED, None),
        ("database", "db", Hint.KMS_INFERRED, None),
    }


def test_empty_account(stubbed):
    def stub(stubber):
        stubber.add_response("get_instances", {"instances": []})
        stubber.add_response("get_disks", {"disks": []})
        stubber.add_response("get_relational_databases", {"relationalDatabases": []})

    assert stubbed(lightsail, stub) == []
