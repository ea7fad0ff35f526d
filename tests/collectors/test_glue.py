"""Glue: the Data Catalog settings of a region and each part of every security configuration."""

from scanner.collectors import glue
from scanner.records import Hint


def test_sandbox_catalog_and_security_configurations(on_sandbox, summary, key_arn):
    managed = key_arn("us-east-1", "alias/aws/glue")
    customer = key_arn("us-east-1", "alias/sandbox-app")

    assert summary(on_sandbox(glue, "us-east-1")) == {
        ("data_catalog", "data-catalog/us-east-1", Hint.KMS, managed),
        ("security_configuration", "glue-security/S3Encryption", Hint.KMS, customer),
        ("security_configuration", "glue-security/CloudWatchEncryption", Hint.NOT_ENCRYPTED, None),
        ("security_configuration", "glue-security/JobBookmarksEncryption", Hint.KMS, managed),
        ("security_configuration", "glue-sse-s3/S3Encryption", Hint.AWS_OWNED, None),
        ("security_configuration", "glue-sse-s3/CloudWatchEncryption", Hint.NOT_ENCRYPTED, None),
        ("security_configuration", "glue-sse-s3/JobBookmarksEncryption", Hint.NOT_ENCRYPTED, None),
    }


def test_empty_region_reports_its_unencrypted_catalog(on_sandbox, summary):
    assert summary(on_sandbox(glue, "us-west-2")) == {
        ("data_catalog", "data-catalog/us-west-2", Hint.NOT_ENCRYPTED, None),
    }


def test_catalog_on_kms_without_a_key_is_left_to_the_service_default(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "get_data_catalog_encryption_settings",
            {
                "DataCatalogEncryptionSettings": {
                    "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS-WITH-SERVICE-ROLE"}
                }
            },
        )
        stubber.add_response("get_security_configurations", {"SecurityConfigurations": []})

    assert summary(stubbed(glue, stub)) == {
        ("data_catalog", "data-catalog/us-east-1", Hint.KMS, None),
    }


def test_denied_catalog_settings_are_unreadable(stubbed):
    def stub(stubber):
        stubber.add_client_error(
            "get_data_catalog_encryption_settings", service_error_code="AccessDeniedException"
        )
        stubber.add_response("get_security_configurations", {"SecurityConfigurations": []})

    [resource] = stubbed(glue, stub)

    assert resource.hint == Hint.UNREADABLE
    assert resource.error_code == "AccessDeniedException"
