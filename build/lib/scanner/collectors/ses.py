"""SES: receipt rules whose S3 action encrypts mail; aws/ses appears as its alias ARN."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "ses"
CLIENT = "ses"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Every S3 action of every receipt rule, in every rule set."""
    names = [item["Name"] async for item in scope.pages("list_receipt_rule_sets", "RuleSets")]
    async for resources in scope.each(lambda name: _rule_set(scope, name), names):
        for resource in resources:
            yield resource


async def _rule_set(scope: Scope, name: str) -> list[Resource]:
    reply = await scope.detail(
        "describe_receipt_rule_set", tolerate={"RuleSetDoesNotExist"}, RuleSetName=name
    )
    if reply.error_code:
        arn = scope.arn("ses", f"receipt-rule-set/{name}")
        return [
            scope.resource("receipt_rule", name, arn, Hint.UNREADABLE, error_code=reply.error_code)
        ]

    return [
        _s3_action(scope, name, rule["Name"], action["S3Action"])
        for rule in reply.data.get("Rules", [])
        for action in rule.get("Actions", [])
        if "S3Action" in action
    ]


def _s3_action(scope: Scope, rule_set: str, rule: str, action: dict) -> Resource:
    resource_id = f"{rule_set}/{rule}"
    arn = scope.arn("ses", f"receipt-rule-set/{rule_set}:receipt-rule/{rule}")
    detail = f"BucketName={action.get('BucketName', '')}"
    key = action.get("KmsKeyArn")
    if key:
        return scope.resource("receipt_rule", resource_id, arn, Hint.KMS, key, detail)

    return scope.resource("receipt_rule", resource_id, arn, Hint.NOT_ENCRYPTED, detail=detail)
