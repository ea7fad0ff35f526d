"""X-Ray (stubbed: moto lacks GetEncryptionConfig): one setting per region."""

import pytest

from scanner.collectors import xray
from scanner.records import Hint

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("config", "hint", "key"),
    [
        ({"Type": "KMS", "KeyId": KEY, "Status": "ACTIVE"}, Hint.KMS, KEY),
        ({"Type": "NONE", "KeyId": KEY, "Status": "ACTIVE"}, Hint.AWS_OWNED, None),
        ({}, Hint.AWS_OWNED, None),
    ],
)
def test_setting(stubbed, summary, config, hint, key):
    def stub(stubber):
        stubber.add_response("get_encryption_config", {"EncryptionConfig": config})

    assert summary(stubbed(xray, stub)) == {
        ("encryption_config", "xray-encryption/us-east-1", hint, key)
    }


def test_denied_setting_is_unreadable(stubbed):
    def stub(stubber):
        stubber.add_client_error(
            "get_encryption_config", service_error_code="AccessDeniedException"
        )

    [resource] = stubbed(xray, stub)

    assert (resource.hint, resource.error_code) == (Hint.UNREADABLE, "AccessDeniedException")
