"""EBS: volumes, snapshots the account owns, and the account's default EBS key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "ebs"
CLIENT = "ec2"

UNTOUCHED = "alias/aws/ebs"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Volumes, owned snapshots and the region's default key setting."""
    async for volume in scope.pages("describe_volumes", "Volumes"):
        yield _encrypted(scope, "volume", volume["VolumeId"], volume)

    async for snapshot in scope.pages("describe_snapshots", "Snapshots", OwnerIds=["self"]):
        yield _encrypted(scope, "snapshot", snapshot["SnapshotId"], snapshot)

    default = await _default_key(scope)
    if default is not None:
        yield default


def _encrypted(scope: Scope, resource_type: str, resource_id: str, item: dict) -> Resource:
    arn = scope.arn("ec2", f"{resource_type}/{resource_id}")
    if not item.get("Encrypted"):
        return scope.resource(resource_type, resource_id, arn, Hint.NOT_ENCRYPTED)

    return scope.resource(resource_type, resource_id, arn, Hint.KMS, item.get("KmsKeyId"))


async def _default_key(scope: Scope) -> Resource | None:
    # The default key encrypts new volumes when encryption by default is on, and any volume
    # created encrypted without a key; so it is reported whether or not the setting is on,
    # except where the setting is untouched: off, and still naming alias/aws/ebs.
    resource_id = f"ebs-default-key/{scope.region}"
    arn = scope.arn("ec2", "ebs-default-key")
    setting = await scope.detail("get_ebs_encryption_by_default")
    key = await scope.detail("get_ebs_default_kms_key_id")
    code = setting.error_code or key.error_code
    if code:
        return scope.resource("default_key", resource_id, arn, Hint.UNREADABLE, error_code=code)

    enabled = bool(setting.data["EbsEncryptionByDefault"])
    if not enabled and key.data.get("KmsKeyId") == UNTOUCHED:
        return None

    detail = f"EbsEncryptionByDefault={str(enabled).lower()}"
    return scope.resource(
        "default_key", resource_id, arn, Hint.KMS, key.data.get("KmsKeyId"), detail
    )
