"""Lex V1 bot aliases: audio conversation logs in S3 name only customer managed keys."""

from scanner.collectors import lex
from scanner.records import Hint
from tests.collectors.second_client import stub_client

CUSTOMER = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _no_v2_bots(stubber) -> None:
    stubber.add_response("list_bots", {"botSummaries": []})


def _log(log_type: str, key: str | None = None) -> dict:
    setting = {"logType": log_type, "destination": "S3", "resourceArn": "arn:aws:s3:::logs"}
    if key:
        setting["kmsKeyArn"] = key
    return setting


def _alias(name: str, *settings: dict) -> dict:
    alias = {"name": name, "botName": "OrderFlowers"}
    if settings:
        alias["conversationLogs"] = {"logSettings": list(settings)}
    return alias


def test_v1_bot_aliases(stubbed, summary, monkeypatch):
    def stub(stubber):
        stubber.add_response("get_bots", {"bots": [{"name": "OrderFlowers"}]})
        stubber.add_response(
            "get_bot_aliases",
            {
                "BotAliases": [
                    _alias("keyed", _log("AUDIO", CUSTOMER)),
                    _alias("default", _log("AUDIO")),
                    _alias("text", _log("TEXT")),
                    _alias("nologs"),
                ]
            },
            {"botName": "OrderFlowers"},
        )

    check = stub_client(monkeypatch, "lex-models", stub)

    found = stubbed(lex, _no_v2_bots)

    check()
    assert summary(found) == {
        ("v1_bot_alias", "OrderFlowers/keyed", Hint.KMS, CUSTOMER),
        ("v1_bot_alias", "OrderFlowers/default", Hint.KMS_AMBIGUOUS, None),
    }
    arns = {resource.resource_arn for resource in found}
    assert "arn:aws:lex:us-east-1:123456789012:bot:OrderFlowers:keyed" in arns


def test_empty(stubbed, monkeypatch):
    check = stub_client(monkeypatch, "lex-models", lambda s: s.add_response("get_bots", {}))

    assert stubbed(lex, _no_v2_bots) == []
    check()


def test_sandbox_answers_lex_v1_while_moto_serves_v2(sandbox, on_sandbox):
    lex_v2 = sandbox.client("lexv2-models", "us-east-1")
    v1 = sandbox.client("lex-models", "us-east-1")

    assert on_sandbox(lex, "us-east-1") == []
    assert v1.get_bots().get("bots", []) == []
    assert v1.get_bot_aliases(botName="OrderFlowers").get("BotAliases", []) == []
    # moto names the empty list; the sandbox's own empty answer would leave it out.
    assert "botSummaries" in lex_v2.list_bots()
