"""S3: each bucket's default encryption (SSE-S3, SSE-KMS, DSSE-KMS)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope, partition
from scanner.records import Hint, Resource

SERVICE = "s3"
CLIENT = "s3"

NO_CONFIGURATION = "ServerSideEncryptionConfigurationNotFoundError"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Buckets whose home is this scope's region."""
    names = [
        b["Name"] async for b in scope.pages("list_buckets", "Buckets", BucketRegion=scope.region)
    ]
    async for resource in scope.each(lambda name: _bucket(scope, name), names):
        yield resource


async def _bucket(scope: Scope, name: str) -> Resource:
    arn = f"arn:{partition(scope.region)}:s3:::{name}"
    reply = await scope.detail("get_bucket_encryption", tolerate={NO_CONFIGURATION}, Bucket=name)

    if reply.error_code == NO_CONFIGURATION:
        # Since 2023 AWS applies SSE-S3 to every bucket, so only an old API or a test double
        # answers this; report what the API said rather than guess.
        return scope.resource("bucket", name, arn, Hint.NOT_ENCRYPTED, detail=NO_CONFIGURATION)

    if reply.error_code:
        return scope.resource("bucket", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    rules = reply.data["ServerSideEncryptionConfiguration"]["Rules"]
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    algorithm = default.get("SSEAlgorithm", "")
    detail = f"SSEAlgorithm={algorithm}"

    if algorithm in KMS_ALGORITHMS:
        return scope.resource("bucket", name, arn, Hint.KMS, default.get("KMSMasterKeyID"), detail)

    if algorithm == "AES256":
        return scope.resource("bucket", name, arn, Hint.AWS_OWNED, detail=detail)

    return scope.resource("bucket", name, arn, Hint.NOT_ENCRYPTED, detail=detail)
