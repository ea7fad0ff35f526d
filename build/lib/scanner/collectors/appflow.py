"""AppFlow: a flow's kmsArn; without one the API cannot tell AWS owned from aws/appflow."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.collectors.paging import token_pages
from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "appflow"
CLIENT = "appflow"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Flows; the listing has no key, so each flow is described."""
    flows = [flow async for flow in token_pages(scope, "list_flows", "flows", "nextToken")]
    async for resource in scope.each(lambda flow: _flow(scope, flow), flows):
        yield resource


async def _flow(scope: Scope, summary: dict) -> Resource:
    name = summary["flowName"]
    arn = summary.get("flowArn") or scope.arn("appflow", f"flow/{name}")
    reply = await scope.detail(
        "describe_flow", tolerate={"ResourceNotFoundException"}, flowName=name
    )
    if reply.error_code:
        return scope.resource("flow", name, arn, Hint.UNREADABLE, error_code=reply.error_code)

    key = reply.data.get("kmsArn")
    if key:
        return scope.resource("flow", name, arn, Hint.KMS, key)

    return scope.resource("flow", name, arn, Hint.KMS_AMBIGUOUS, detail="no kmsArn")
