"""Kinesis Video Streams: every stream is KMS encrypted; no key means aws/kinesisvideo."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "kinesisvideo"
CLIENT = "kinesisvideo"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Streams, from the listing alone."""
    async for stream in scope.pages("list_streams", "StreamInfoList"):
        name = stream["StreamName"]
        arn = stream.get("StreamARN") or scope.arn("kinesisvideo", f"stream/{name}")
        yield scope.resource("stream", name, arn, Hint.KMS, stream.get("KmsKeyId"))
