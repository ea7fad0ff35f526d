"""DynamoDB: each table's SSEDescription; absent means an AWS owned key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "dynamodb"
CLIENT = "dynamodb"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Tables with their server-side encryption description."""
    names = [name async for name in scope.pages("list_tables", "TableNames")]
    async for resource in scope.each(lambda name: _table(scope, name), names):
        yield resource


async def _table(scope: Scope, name: str) -> Resource:
    arn = scope.arn("dynamodb", f"table/{name}")
    reply = await scope.detail(
        "describe_table", tolerate={"ResourceNotFoundException"}, TableName=name
    )
    if reply.error_code:
        return scope.resource("table", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    table = reply.data["Table"]
    arn = table.get("TableArn", arn)
    sse = table.get("SSEDescription")
    if not sse:
        return scope.resource("table", name, arn, Hint.AWS_OWNED, detail="no SSEDescription")

    detail = f"SSEType={sse.get('SSEType', '')} Status={sse.get('Status', '')}"
    return scope.resource("table", name, arn, Hint.KMS, sse.get("KMSMasterKeyArn"), detail)
