"""Kinesis Data Streams: the AWS managed key shows as the literal alias/aws/kinesis."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "kinesis"
CLIENT = "kinesis"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Streams with their encryption type and key."""
    names = [name async for name in scope.pages("list_streams", "StreamNames", Limit=10000)]
    async for resource in scope.each(lambda name: _stream(scope, name), names):
        yield resource


async def _stream(scope: Scope, name: str) -> Resource:
    arn = scope.arn("kinesis", f"stream/{name}")
    reply = await scope.detail(
        "describe_stream_summary", tolerate={"ResourceNotFoundException"}, StreamName=name
    )
    if reply.error_code:
        return scope.resource("stream", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    summary = reply.data["StreamDescriptionSummary"]
    arn = summary.get("StreamARN", arn)
    if summary.get("EncryptionType") == "KMS":
        return scope.resource("stream", name, arn, Hint.KMS, summary.get("KeyId"))

    return scope.resource("stream", name, arn, Hint.NOT_ENCRYPTED)
