"""SQS: each queue's server-side encryption (SSE-KMS or SSE-SQS)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "sqs"
CLIENT = "sqs"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Queues with their encryption attributes."""
    # Without MaxResults, ListQueues answers at most 1,000 queues and no token to go on.
    urls = [url async for url in scope.pages("list_queues", "QueueUrls", MaxResults=1000)]
    async for resource in scope.each(lambda url: _queue(scope, url), urls):
        yield resource


async def _queue(scope: Scope, url: str) -> Resource:
    name = url.rsplit("/", 1)[-1]
    arn = scope.arn("sqs", name)
    reply = await scope.detail(
        "get_queue_attributes",
        tolerate={"AWS.SimpleQueueService.NonExistentQueue"},
        QueueUrl=url,
        AttributeNames=["All"],
    )
    if reply.error_code:
        return scope.resource("queue", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    attributes = reply.data.get("Attributes", {})
    arn = attributes.get("QueueArn", arn)
    key = attributes.get("KmsMasterKeyId")
    if key:
        return scope.resource("queue", name, arn, Hint.KMS, key)

    # KmsMasterKeyId wins over SqsManagedSseEnabled: a queue has one or the other.
    if attributes.get("SqsManagedSseEnabled") == "true":
        return scope.resource("queue", name, arn, Hint.AWS_OWNED, detail="SSE-SQS")

    return scope.resource("queue", name, arn, Hint.NOT_ENCRYPTED)
