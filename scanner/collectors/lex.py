"""Lex V1 and V2: audio conversation logs of each bot alias, kept in S3 with an optional key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.collectors.paging import token_pages
from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "lex"
CLIENT = "lexv2-models"

# Lex V1 has its own client: (client, bots operation, its result key, aliases operation, key).
V1 = ("lex-models", "get_bots", "bots", "get_bot_aliases", "BotAliases")


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Every bot alias with audio logs; text logs go to CloudWatch Logs and carry no key here."""
    bots = [bot async for bot in token_pages(scope, "list_bots", "botSummaries", "nextToken")]
    async for resources in scope.each(lambda bot: _bot(scope, bot["botId"]), bots):
        for resource in resources:
            yield resource

    async for resource in _v1_aliases(scope):
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


async def _v1_aliases(scope: Scope) -> AsyncIterator[Resource]:
    client, bots_operation, bots_key, aliases_operation, aliases_key = V1
    v1 = await scope.with_client(client)
    if v1 is None:
        return  # Lex V1 is offered in fewer regions than V2

    names = [bot["name"] async for bot in v1.pages(bots_operation, bots_key)]
    for name in names:
        async for alias in v1.pages(aliases_operation, aliases_key, botName=name):
            resource = _v1_alias(scope, name, alias)
            if resource is not None:
                yield resource


def _v1_alias(scope: Scope, bot: str, alias: dict) -> Resource | None:
    settings = alias.get("conversationLogs", {}).get("logSettings", [])
    keys = [setting.get("kmsKeyArn") for setting in settings if setting.get("logType") == "AUDIO"]
    if not keys:
        return None  # no audio logs: text logs go to CloudWatch Logs and carry no key here

    name = alias["name"]
    arn = scope.arn("lex", f"bot:{bot}:{name}")
    detail = f"audio logs={len(keys)}"
    key = next((key for key in keys if key), None)
    if key:
        return scope.resource("v1_bot_alias", f"{bot}/{name}", arn, Hint.KMS, key, detail)

    # As in V2, Lex names only customer managed keys; where aws/lex applies is not shown.
    return scope.resource("v1_bot_alias", f"{bot}/{name}", arn, Hint.KMS_AMBIGUOUS, detail=detail)
