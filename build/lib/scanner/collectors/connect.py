"""Connect: instance storage configs that keep data in S3 or Kinesis Video Streams."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "connect"
CLIENT = "connect"

# Storage kinds whose configs carry an EncryptionConfig; stream and Firehose targets do not.
RESOURCE_TYPES = (
    "CALL_RECORDINGS",
    "CHAT_TRANSCRIPTS",
    "SCHEDULED_REPORTS",
    "MEDIA_STREAMS",
    "ATTACHMENTS",
    "CONTACT_EVALUATIONS",
    "SCREEN_RECORDINGS",
    "EMAIL_MESSAGES",
)
CONFIG_FIELDS = {"S3": "S3Config", "KINESIS_VIDEO_STREAM": "KinesisVideoStreamConfig"}


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Every keyed storage config of every instance."""
    instances = [item async for item in scope.pages("list_instances", "InstanceSummaryList")]
    pairs = [(item, kind) for item in instances for kind in RESOURCE_TYPES]
    async for resources in scope.each(lambda pair: _configs(scope, *pair), pairs):
        for resource in resources:
            yield resource


async def _configs(scope: Scope, instance: dict, kind: str) -> list[Resource]:
    instance_id = instance["Id"]
    arn = instance.get("Arn") or scope.arn("connect", f"instance/{instance_id}")
    found = []
    pages = scope.pages(
        "list_instance_storage_configs", "StorageConfigs", InstanceId=instance_id, ResourceType=kind
    )
    async for config in pages:
        field = CONFIG_FIELDS.get(config.get("StorageType", ""))
        if field:
            resource_id = f"{instance_id}/{kind}/{config.get('AssociationId', '')}"
            found.append(_config(scope, resource_id, arn, config.get(field, {})))

    return found


def _config(scope: Scope, resource_id: str, arn: str, target: dict) -> Resource:
    key = target.get("EncryptionConfig", {}).get("KeyId")
    if key:
        return scope.resource("instance_storage_config", resource_id, arn, Hint.KMS, key)

    # Without an EncryptionConfig the bucket's own default encryption applies.
    detail = "no EncryptionConfig"
    return scope.resource(
        "instance_storage_config", resource_id, arn, Hint.AWS_OWNED, detail=detail
    )
