"""Lex V2: audio conversation logs of each bot alias, kept in S3 with an optional key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.collectors.paging import token_pages
from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "lex"
CLIENT = "lexv2-models"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Every bot alias with audio logs; text logs go to CloudWatch Logs and carry no key here."""
    # TODO(#3): Lex V1 bot aliases (lex-models GetBotAliases), which the sandbox lacks.
    bots = [bot async for bot in token_pages(scope, "list_bots", "botSummaries", "nextToken")]
    async for resources in scope.each(lambda bot: _bot(scope, bot["botId"]), bots):
        for resource in resources:
            yield resource


async def _bot(scope: Scope, bot_id: str) -> list[Resource]:
    aliases = token_pages(scope, "list_bot_aliases", "botAliasSummaries", "nextToken", botId=bot_id)
    found = [await _alias(scope, bot_id, alias["botAliasId"]) async for alias in aliases]
    return [resource for resource in found if resource is not None]


async def _alias(scope: Scope, bot_id: str, alias_id: str) -> Resource | None:
    resource_id = f"{bot_id}/{alias_id}"
    arn = scope.arn("lex", f"bot-alias/{bot_id}/{alias_id}")
    reply = await scope.detail(
        "describe_bot_alias",
        tolerate={"ResourceNotFoundException"},
        botId=bot_id,
        botAliasId=alias_id,
    )
    if reply.error_code:
        return scope.resource(
            "bot_alias", resource_id, arn, Hint.UNREADABLE, error_code=reply.error_code
        )

    settings = reply.data.get("conversationLogSettings", {}).get("audioLogSettings", [])
    keys = [
        setting["destination"]["s3Bucket"].get("kmsKeyArn")
        for setting in settings
        if setting.get("enabled") and "s3Bucket" in setting.get("destination", {})
    ]
    if not keys:
        return None  # no audio logs: nothing of this alias is kept under a key

    detail = f"audio logs={len(keys)}"
    key = next((key for key in keys if key), None)
    if key:
        return scope.resource("bot_alias", resource_id, arn, Hint.KMS, key, detail)

    # Lex names only customer managed keys; where aws/lex applies is not shown.
    return scope.resource("bot_alias", resource_id, arn, Hint.KMS_AMBIGUOUS, detail=detail)
