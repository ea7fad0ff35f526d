"""Glue: the Data Catalog's encryption settings and each security configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "glue"
CLIENT = "glue"

# Security configuration parts: (part, mode field, KMS modes)
PARTS = (
    ("S3Encryption", "S3EncryptionMode", {"SSE-KMS"}),
    ("CloudWatchEncryption", "CloudWatchEncryptionMode", {"SSE-KMS"}),
    ("JobBookmarksEncryption", "JobBookmarksEncryptionMode", {"CSE-KMS"}),
)


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """The region's catalog settings, then every part of every security configuration."""
    yield await _catalog(scope)

    pages = scope.pages("get_security_configurations", "SecurityConfigurations")
    async for configuration in pages:
        for resource in _configuration(scope, configuration):
            yield resource


async def _catalog(scope: Scope) -> Resource:
    resource_id = f"data-catalog/{scope.region}"
    arn = scope.arn("glue", "catalog")
    reply = await scope.detail("get_data_catalog_encryption_settings")
    if reply.error_code:
        return scope.resource(
            "data_catalog", resource_id, arn, Hint.UNREADABLE, error_code=reply.error_code
        )

    at_rest = reply.data["DataCatalogEncryptionSettings"].get("EncryptionAtRest", {})
    mode = at_rest.get("CatalogEncryptionMode", "DISABLED")
    detail = f"CatalogEncryptionMode={mode}"
    if mode == "DISABLED":
        return scope.resource("data_catalog", resource_id, arn, Hint.NOT_ENCRYPTED, detail=detail)

    key = at_rest.get("SseAwsKmsKeyId")
    return scope.resource("data_catalog", resource_id, arn, Hint.KMS, key, detail)


def _configuration(scope: Scope, configuration: dict) -> list[Resource]:
    name = configuration["Name"]
    arn = scope.arn("glue", f"securityConfiguration/{name}")
    settings = configuration.get("EncryptionConfiguration", {})
    found = []
    for part, mode_field, kms_modes in PARTS:
        values = settings.get(part, {})
        for value in values if isinstance(values, list) else [values]:
            found.append(_part(scope, f"{name}/{part}", arn, value, mode_field, kms_modes))

    return found


def _part(
    scope: Scope, resource_id: str, arn: str, value: dict, mode_field: str, kms_modes: set
) -> Resource:
    mode = value.get(mode_field, "DISABLED")
    detail = f"{mode_field}={mode}"
    if mode in kms_modes:
        key = value.get("KmsKeyArn")
        return scope.resource("security_configuration", resource_id, arn, Hint.KMS, key, detail)

    hint = Hint.AWS_OWNED if mode == "SSE-S3" else Hint.NOT_ENCRYPTED
    return scope.resource("security_configuration", resource_id, arn, hint, detail=detail)
