"""SNS: each topic's server-side encryption key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "sns"
CLIENT = "sns"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Topics with their KmsMasterKeyId attribute."""
    arns = [topic["TopicArn"] async for topic in scope.pages("list_topics", "Topics")]
    async for resource in scope.each(lambda arn: _topic(scope, arn), arns):
        yield resource


async def _topic(scope: Scope, arn: str) -> Resource:
    name = arn.rsplit(":", 1)[-1]
    reply = await scope.detail("get_topic_attributes", tolerate={"NotFound"}, TopicArn=arn)
    if reply.error_code:
        return scope.resource("topic", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    key = reply.data.get("Attributes", {}).get("KmsMasterKeyId")
    if key:
        return scope.resource("topic", name, arn, Hint.KMS, key)

    return scope.resource("topic", name, arn, Hint.NOT_ENCRYPTED)
