"""Amazon MQ: a broker is on an AWS owned key, aws/mq, or a customer managed key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "mq"
CLIENT = "mq"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Brokers; the listing has no encryption, so each broker is described."""
    brokers = [broker async for broker in scope.pages("list_brokers", "BrokerSummaries")]
    async for resource in scope.each(lambda broker: _broker(scope, broker), brokers):
        yield resource


async def _broker(scope: Scope, summary: dict) -> Resource:
    broker_id = summary["BrokerId"]
    name = summary.get("BrokerName", broker_id)
    arn = summary.get("BrokerArn") or scope.arn("mq", f"broker:{name}:{broker_id}")
    reply = await scope.detail(
        "describe_broker", tolerate={"NotFoundException"}, BrokerId=broker_id
    )
    if reply.error_code:
        return scope.resource("broker", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    options = reply.data.get("EncryptionOptions", {})
    if options.get("UseAwsOwnedKey", True):
        return scope.resource("broker", name, arn, Hint.AWS_OWNED, detail="UseAwsOwnedKey=true")

    detail = "UseAwsOwnedKey=false"
    return scope.resource("broker", name, arn, Hint.KMS, options.get("KmsKeyId"), detail)
