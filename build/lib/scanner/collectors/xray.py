"""X-Ray: the region's trace encryption setting; Type NONE is the AWS owned default."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "xray"
CLIENT = "xray"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """One setting per region."""
    resource_id = f"xray-encryption/{scope.region}"
    arn = scope.arn("xray", "encryption-config")
    reply = await scope.detail("get_encryption_config")
    if reply.error_code:
        yield scope.resource(
            "encryption_config", resource_id, arn, Hint.UNREADABLE, error_code=reply.error_code
        )
        return

    config = reply.data.get("EncryptionConfig", {})
    kind = config.get("Type", "NONE")
    detail = f"Type={kind} Status={config.get('Status', '')}"
    if kind == "KMS":
        key = config.get("KeyId")
        yield scope.resource("encryption_config", resource_id, arn, Hint.KMS, key, detail)
    else:
        # With Type NONE a stale KeyId can remain; it no longer encrypts anything.
        yield scope.resource("encryption_config", resource_id, arn, Hint.AWS_OWNED, detail=detail)
